// One client (#/clients/<id>): change its name or org number with If-Match, archive it after a
// confirmation. Another firm's id, or one that does not exist, is "not found" (the API's 404).
import { ApiError, get, patch } from "./api.js";
import { archiveClient } from "./clients.js";
import { announce, badge, card, h, pageHead, staleDialog } from "./dom.js";
import { actionFailure, field, formAlert, onSubmit } from "./forms.js";
import { formatDate, formatOrgNumber, t } from "./i18n.js";

function path(id) {
  return `/v1/clients/${encodeURIComponent(id)}`;
}

function notFound() {
  return h(
    "div",
    {},
    pageHead(t("client.notFound.title"), t("client.notFound.text")),
    h("p", {}, h("a", { href: "#/clients", text: t("client.back") })),
  );
}

function facts(client) {
  const rows = [
    [t("clients.name"), client.name],
    [t("clients.orgNumber"), formatOrgNumber(client.org_number)],
    [
      t("clients.status"),
      client.archived_at
        ? t("clients.archivedOn", { date: formatDate(client.archived_at) })
        : t("clients.active"),
    ],
  ];
  return h(
    "dl",
    { class: "facts" },
    rows.map(([term, value]) => h("div", {}, h("dt", { text: term }), h("dd", { text: value }))),
  );
}

function editForm(state, page) {
  const client = state.client;
  const form = h(
    "form",
    { class: "stack narrow" },
    field({ name: "name", label: t("clients.name"), value: client.name, autocomplete: "organization" }),
    field({
      name: "org_number",
      label: t("clients.orgNumber"),
      value: client.org_number,
      inputmode: "numeric",
      autocomplete: "off",
      hint: t("clients.orgNumber.hint"),
    }),
    formAlert(),
    h("div", { class: "form-submit" }, h("button", { type: "submit", class: "primary", text: t("save") })),
  );
  let change = {};
  onSubmit(form, {
    // A 409 on a new org number: another active client has it; else the client was archived meanwhile.
    conflict: () =>
      "org_number" in change
        ? { field: "org_number", text: "clients.orgTaken" }
        : { text: "client.conflict" },
    onStale: () => staleDialog(t("client.what"), () => page.reload({ focus: "name" })),
    run: async (values) => {
      const saved = state.client; // as last saved (a second edit compares with the first's answer)
      change = {};
      if (values.name !== saved.name) change.name = values.name;
      const number = values.org_number.replace(/\s/g, "");
      if (number !== saved.org_number) change.org_number = number;
      if (!Object.keys(change).length) {
        announce(t("noChanges"));
        return;
      }
      const { data, etag } = await patch(path(client.client_id), change, state.etag);
      state.client = data;
      state.etag = etag;
      page.retitle();
      announce(t("saved"));
    },
  });
  return form;
}

function archiveCard(state, page) {
  if (state.client.is_bureau_client) return card(t("archive"), h("p", { text: t("client.bureauStays") }));
  const button = h("button", {
    type: "button",
    class: "danger",
    text: t("archive"),
    onclick: async () => {
      try {
        if (await archiveClient(state.client, state.etag)) await page.reload({ focus: "heading" });
      } catch (error) {
        if (error instanceof ApiError && error.status === 412)
          staleDialog(t("client.what"), () => page.reload({ focus: "heading" }));
        else actionFailure(error);
      }
    },
  });
  return card(t("archive"), h("p", { text: t("clients.archive.text") }), button);
}

function draw(root, state, page) {
  const client = state.client;
  const badges = [];
  if (client.is_bureau_client) badges.push(badge(t("clients.bureau"), "brand"));
  if (client.archived_at)
    badges.push(badge(t("clients.archivedOn", { date: formatDate(client.archived_at) }), "muted"));
  const head = pageHead(client.name, null, badges.length ? h("p", { class: "badges" }, badges) : null);
  const body = client.archived_at
    ? [card(t("client.details"), facts(client), h("p", { class: "note", text: t("client.readOnly") }))]
    : [card(t("client.edit"), editForm(state, page)), archiveCard(state, page)];
  root.replaceChildren(
    h("p", { class: "back" }, h("a", { href: "#/clients", text: t("client.back") })),
    head,
    ...body,
  );
  document.title = `${client.name} – Periode & År`;
}

export async function clientView(ctx) {
  const id = ctx.params.id;
  const state = {};
  const root = h("div");
  const load = async () => {
    const { data, etag } = await get(path(id));
    state.client = data;
    state.etag = etag;
  };
  const page = {
    reload: async ({ focus } = {}) => {
      try {
        await load();
      } catch (error) {
        actionFailure(error);
        return;
      }
      draw(root, state, page);
      const target = focus === "name" ? root.querySelector("input[name=name]") : root.querySelector("h1");
      if (target) target.focus();
    },
    retitle: () => {
      root.querySelector("h1").textContent = state.client.name;
      document.title = `${state.client.name} – Periode & År`;
    },
  };
  try {
    await load();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 422)) return notFound();
    throw error;
  }
  draw(root, state, page);
  return root;
}
