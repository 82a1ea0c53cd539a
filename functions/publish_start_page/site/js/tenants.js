// Operators: every tenant, and a form to create one with its first admin (who gets the
// pool's invitation by e-mail).
import { listAll, post } from "./api.js";
import { announce, card, dataTable, h, pageHead } from "./dom.js";
import { actionFailure, field, formAlert, onSubmit } from "./forms.js";
import { PACKAGES, formatOrgNumber, formatPackage, t } from "./i18n.js";

// A tenant's status in the page's words, never the raw value (§2 writes only ACTIVE).
function statusText(status) {
  return t(status === "ACTIVE" ? "status.ACTIVE" : "status.other");
}

function tenantTable(tenants) {
  const keys = ["tenants.id", "tenants.name", "tenants.orgNumber", "tenants.package", "tenants.status"];
  const rows = tenants.map((tenant) =>
    h(
      "tr",
      {},
      h("th", { scope: "row", class: "nowrap", text: tenant.tenant_id }),
      h("td", { text: tenant.name || "" }),
      h("td", { class: "nowrap", text: formatOrgNumber(tenant.org_number) }),
      h("td", { text: formatPackage(tenant.package) }),
      h("td", { text: statusText(tenant.status) }),
    ),
  );
  return dataTable(
    t("tenants.caption"),
    keys.map((key) => h("th", { scope: "col", text: t(key) })),
    rows,
  );
}

function tenantFields() {
  const email = (name, label, api) =>
    field({ name, api, label: t(label), type: "email", autocomplete: "off", spellcheck: "false" });
  const choice = (name, label, value, options) => field({ name, label: t(label), value, options });
  return [
    field({
      name: "tenant_id",
      label: t("tenants.id"),
      hint: t("tenants.id.hint"),
      autocomplete: "off",
      spellcheck: "false",
    }),
    field({ name: "name", label: t("tenants.name"), autocomplete: "off" }),
    field({
      name: "org_number",
      label: t("tenants.orgNumber"),
      inputmode: "numeric",
      autocomplete: "off",
      hint: t("clients.orgNumber.hint"),
    }),
    email("email", "tenants.email"),
    choice(
      "package",
      "tenants.package",
      "KOMPLETT",
      PACKAGES.map((code) => [code, formatPackage(code)]),
    ),
    choice("language", "tenants.language", "nb", [
      ["nb", t("company.language.nb")],
      ["en", "English"],
    ]),
    h(
      "fieldset",
      { class: "form-grid wide" },
      h("legend", { text: t("tenants.admin") }),
      h("p", { class: "hint wide", text: t("tenants.admin.hint") }),
      field({ name: "admin_name", api: "admin.name", label: t("tenants.admin.name"), autocomplete: "off" }),
      email("admin_email", "tenants.admin.email", "admin.email"),
    ),
  ];
}

function createForm(onCreated) {
  const form = h(
    "form",
    { class: "form-grid" },
    tenantFields(),
    formAlert(),
    h(
      "div",
      { class: "form-submit wide" },
      h("button", { type: "submit", class: "primary", text: t("tenants.create") }),
    ),
  );
  onSubmit(form, {
    keyed: true,
    conflict: { text: "tenants.taken" },
    run: async (values, key) => {
      const body = {
        tenant_id: values.tenant_id,
        name: values.name,
        org_number: values.org_number.replace(/\s/g, ""),
        email: values.email,
        package: values.package,
        language: values.language,
        admin: { name: values.admin_name, email: values.admin_email },
      };
      const { data } = await post("/v1/tenants", body, key);
      form.reset();
      announce(t("tenants.created", { name: data.name, email: values.admin_email }));
      await onCreated();
    },
  });
  return form;
}

export async function tenantsView() {
  const listArea = h("div");
  const draw = (tenants) => {
    listArea.replaceChildren(
      tenants.length ? tenantTable(tenants) : h("p", { class: "empty", text: t("tenants.none") }),
    );
  };
  draw(await listAll("/v1/tenants"));
  const reload = async () => {
    try {
      draw(await listAll("/v1/tenants"));
    } catch (error) {
      actionFailure(error);
    }
  };
  return h(
    "div",
    {},
    pageHead(t("tenants.title"), t("tenants.lead")),
    h("div", { class: "card" }, listArea),
    card(t("tenants.new"), createForm(reload)),
  );
}
