// The firm's users: everyone sees the list; an admin adds a user (the pool e-mails the
// invitation), changes a role and removes a user after a confirmation.
import { listAll, patch, post, remove } from "./api.js";
import { announce, badge, card, confirmDialog, dataTable, h, pageHead, uid } from "./dom.js";
import { actionFailure, field, formAlert, onSubmit } from "./forms.js";
import { t } from "./i18n.js";

function userPath(user) {
  return `/v1/users/${encodeURIComponent(user.user_id)}`;
}

async function changeRole(user, page) {
  const role = user.role === "admin" ? "user" : "admin";
  try {
    await patch(userPath(user), { role });
  } catch (error) {
    actionFailure(error, { conflict: "users.lastAdmin" });
    return;
  }
  announce(t(role === "admin" ? "users.nowAdmin" : "users.nowUser", { name: user.name }));
  await page.reload();
  page.focusRow(user.user_id);
}

async function removeUser(user, page) {
  const sure = await confirmDialog({
    title: t("users.remove.title", { name: user.name }),
    text: t("users.remove.text", { name: user.name }),
    confirm: t("users.remove"),
  });
  if (!sure) return;
  try {
    await remove(userPath(user));
  } catch (error) {
    actionFailure(error, { conflict: "users.lastAdmin" });
    return;
  }
  announce(t("users.removed", { name: user.name }));
  await page.reload();
  page.focusRow(null);
}

function actions(user, page, nameId) {
  if (user.user_id === page.me) return null;
  const describedBy = { "aria-describedby": nameId };
  return [
    h("button", {
      type: "button",
      class: "secondary small",
      ...describedBy,
      text: t(user.role === "admin" ? "users.makeUser" : "users.makeAdmin"),
      onclick: () => changeRole(user, page),
    }),
    h("button", {
      type: "button",
      class: "danger-quiet small",
      ...describedBy,
      text: t("users.remove"),
      onclick: () => removeUser(user, page),
    }),
  ];
}

function userTable(users, page) {
  const columns = ["users.name", "users.email", "users.role"].map((key) =>
    h("th", { scope: "col", text: t(key) }),
  );
  if (page.admin)
    columns.push(h("th", { scope: "col" }, h("span", { class: "sr-only", text: t("actions") })));
  const rows = users.map((user) => {
    const nameId = uid("user");
    return h(
      "tr",
      { "data-user": user.user_id },
      h(
        "th",
        { scope: "row" },
        h("span", { id: nameId, text: user.name }),
        user.user_id === page.me ? [" ", badge(t("users.you"), "brand")] : null,
      ),
      h("td", { class: "break", text: user.email }),
      h("td", { text: t(user.role === "admin" ? "role.admin" : "role.user") }),
      page.admin ? h("td", { class: "actions" }, actions(user, page, nameId)) : null,
    );
  });
  return dataTable(t("users.caption"), columns, rows);
}

function addForm(page) {
  const form = h(
    "form",
    { class: "inline-form" },
    field({ name: "name", label: t("users.name"), autocomplete: "off" }),
    field({
      name: "email",
      label: t("users.email"),
      type: "email",
      autocomplete: "off",
      spellcheck: "false",
    }),
    field({
      name: "role",
      label: t("users.role"),
      value: "user",
      options: [
        ["user", t("role.user")],
        ["admin", t("role.admin")],
      ],
    }),
    h(
      "div",
      { class: "form-submit" },
      h("button", { type: "submit", class: "primary", text: t("users.add") }),
    ),
    formAlert(),
  );
  onSubmit(form, {
    keyed: true,
    conflict: { field: "email", text: "users.emailTaken" },
    run: async (values, key) => {
      const { data } = await post(
        "/v1/users",
        { name: values.name, email: values.email, role: values.role },
        key,
      );
      form.reset();
      announce(t("users.added", { name: data.name, email: data.email }));
      await page.reload();
      form.elements.name.focus();
    },
  });
  return form;
}

export async function usersView(ctx) {
  const listArea = h("div");
  const page = { me: ctx.who.userId, admin: false, users: [] };
  page.reload = async () => {
    ctx.forgetUsers();
    try {
      page.users = await listAll("/v1/users");
    } catch (error) {
      actionFailure(error);
      return;
    }
    listArea.replaceChildren(userTable(page.users, page));
  };
  page.focusRow = (userId) => {
    // The row was drawn anew: focus its first button again, or the list when the row is gone.
    const row = userId ? listArea.querySelector(`tr[data-user="${CSS.escape(userId)}"] button`) : null;
    (row || listArea.querySelector(".table-wrap"))?.focus();
  };
  page.users = await listAll("/v1/users");
  const me = page.users.find((user) => user.user_id === page.me);
  page.admin = Boolean(me && me.role === "admin");
  listArea.replaceChildren(userTable(page.users, page));
  return h(
    "div",
    {},
    pageHead(t("users.title"), t(page.admin ? "users.lead.admin" : "users.lead.user")),
    page.admin
      ? card(t("users.new"), h("p", { class: "note", text: t("users.invitation") }), addForm(page))
      : null,
    h("div", { class: "card" }, listArea),
  );
}
