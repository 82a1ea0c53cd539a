// The start page: the firm's clients. Search, add (name and org number), open one to change it,
// archive after a confirmation, show the archived on request; the bureau client is marked and
// has no archive button.
import { ApiError, listAll, post, remove } from "./api.js";
import { announce, badge, card, confirmDialog, dataTable, h, pageHead, uid } from "./dom.js";
import { actionFailure, field, formAlert, onSubmit } from "./forms.js";
import { formatDate, formatOrgNumber, t } from "./i18n.js";

/** Archive `client` after asking; resolves true when it was archived. */
export async function archiveClient(client, etag) {
  const sure = await confirmDialog({
    title: t("clients.archive.title", { name: client.name }),
    text: t("clients.archive.text"),
    confirm: t("archive"),
  });
  if (!sure) return false;
  try {
    await remove(`/v1/clients/${encodeURIComponent(client.client_id)}`, etag);
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) throw error;
    actionFailure(error, { conflict: "clients.archive.refused" });
    return false;
  }
  announce(t("clients.archived", { name: client.name }));
  return true;
}

function matches(client, query) {
  if (!query) return true;
  const text = query.toLocaleLowerCase();
  const digits = query.replace(/\s/g, "");
  return (
    client.name.toLocaleLowerCase().includes(text) ||
    (/^\d+$/.test(digits) && client.org_number.includes(digits))
  );
}

function byName(a, b) {
  if (a.is_bureau_client !== b.is_bureau_client) return a.is_bureau_client ? -1 : 1;
  return a.name.localeCompare(b.name, "nb");
}

function clientRow(client, onArchive) {
  const nameId = uid("client");
  const status = client.archived_at
    ? t("clients.archivedOn", { date: formatDate(client.archived_at) })
    : t("clients.active");
  let action = null;
  if (!client.archived_at && !client.is_bureau_client) {
    action = h("button", {
      type: "button",
      class: "secondary small",
      "aria-describedby": nameId,
      text: t("archive"),
      onclick: () => onArchive(client),
    });
  }
  return h(
    "tr",
    { class: client.archived_at ? "archived" : null },
    h(
      "th",
      { scope: "row" },
      h("a", { id: nameId, href: `#/clients/${encodeURIComponent(client.client_id)}`, text: client.name }),
      client.is_bureau_client ? [" ", badge(t("clients.bureau"), "brand")] : null,
    ),
    h("td", { class: "nowrap", text: formatOrgNumber(client.org_number) }),
    h("td", {}, client.archived_at ? badge(status, "muted") : status),
    h("td", { class: "actions" }, action),
  );
}

function clientTable(clients, onArchive) {
  const head = ["clients.name", "clients.orgNumber", "clients.status"].map((key) =>
    h("th", { scope: "col", text: t(key) }),
  );
  head.push(h("th", { scope: "col" }, h("span", { class: "sr-only", text: t("actions") })));
  return dataTable(
    t("clients.caption"),
    head,
    clients.map((client) => clientRow(client, onArchive)),
  );
}

function addForm(onAdded) {
  const form = h(
    "form",
    { class: "inline-form" },
    field({ name: "name", label: t("clients.name"), autocomplete: "organization" }),
    field({
      name: "org_number",
      label: t("clients.orgNumber"),
      inputmode: "numeric",
      autocomplete: "off",
      hint: t("clients.orgNumber.hint"),
    }),
    h(
      "div",
      { class: "form-submit" },
      h("button", { type: "submit", class: "primary", text: t("clients.add") }),
    ),
    formAlert(),
  );
  onSubmit(form, {
    keyed: true,
    conflict: { field: "org_number", text: "clients.orgTaken" },
    run: async (values, key) => {
      const body = { name: values.name, org_number: values.org_number.replace(/\s/g, "") };
      const { data } = await post("/v1/clients", body, key);
      form.reset();
      form.elements.name.focus();
      await onAdded(data);
    },
  });
  return form;
}

function toolbar(state, redraw) {
  const searchId = uid("search");
  const search = h("input", { id: searchId, type: "search", value: state.query, autocomplete: "off" });
  search.addEventListener("input", () => {
    state.query = search.value.trim();
    redraw();
  });
  const archivedId = uid("archived");
  const archived = h("input", { id: archivedId, type: "checkbox", checked: state.archived });
  archived.addEventListener("change", () => {
    state.archived = archived.checked;
    redraw({ reload: true });
  });
  return h(
    "div",
    { class: "toolbar" },
    h("div", { class: "field search" }, h("label", { for: searchId, text: t("clients.search") }), search),
    h("div", { class: "check" }, archived, h("label", { for: archivedId, text: t("clients.showArchived") })),
  );
}

export async function clientsView() {
  const state = { clients: [], query: "", archived: false };
  const tableArea = h("div");
  const count = h("p", { class: "count", "aria-live": "polite" });
  const load = async () => {
    state.clients = await listAll(`/v1/clients?include_archived=${state.archived}`);
  };
  const onArchive = async (client) => {
    if (!(await archiveClient(client, null).catch(() => false))) return;
    await redraw({ reload: true });
    const list = tableArea.querySelector(".table-wrap"); // its row is gone: focus stays in the list
    if (list) list.focus();
  };
  async function redraw({ reload = false } = {}) {
    if (reload) await load().catch(() => announce(t("error.networkLoad"), "error"));
    const shown = state.clients.filter((client) => matches(client, state.query)).sort(byName);
    const total = state.clients.length;
    if (state.query) count.textContent = t("clients.countFiltered", { shown: shown.length, total });
    else count.textContent = t(total === 1 ? "clients.countOne" : "clients.count", { total });
    tableArea.replaceChildren(
      shown.length
        ? clientTable(shown, onArchive)
        : h("p", { class: "empty", text: t(state.query ? "clients.noMatch" : "clients.none") }),
    );
  }
  await load();
  await redraw();
  const added = async (client) => {
    announce(t("clients.added", { name: client.name }));
    await redraw({ reload: true });
  };
  return h(
    "div",
    {},
    pageHead(t("clients.title"), t("clients.lead")),
    card(t("clients.new"), addForm(added)),
    h("div", { class: "card" }, toolbar(state, redraw), count, tableArea),
  );
}
