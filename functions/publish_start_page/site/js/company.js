// The firm's profile: name, org number, e-mail, invoice e-mail, address, reference and the
// language of its invoices. An admin changes it (PATCH /v1/tenant with If-Match); a user reads it.
import { patch } from "./api.js";
import { announce, card, h, pageHead, staleDialog } from "./dom.js";
import { actionFailure, field, formAlert, onSubmit } from "./forms.js";
import { formatDate, formatOrgNumber, formatPackage, t } from "./i18n.js";

const PARTS = ["street", "postal_code", "city", "country"];

function addressText(address) {
  if (!address) return "";
  const place = [address.postal_code, address.city].filter(Boolean).join(" ");
  return [address.street, place, address.country && address.country !== "NO" ? address.country : null]
    .filter(Boolean)
    .join(", ");
}

function factList(rows, compact = false) {
  return h(
    "dl",
    { class: compact ? "facts compact" : "facts" },
    rows
      .filter(([, value]) => value)
      .map(([key, value]) =>
        h("div", {}, h("dt", { text: t(key) }), h("dd", { class: "break", text: value })),
      ),
  );
}

function facts(tenant) {
  return factList([
    ["company.name", tenant.name],
    ["company.orgNumber", formatOrgNumber(tenant.org_number)],
    ["company.email", tenant.email],
    ["company.invoiceEmail", tenant.invoice_email || t("company.invoiceEmail.same")],
    ["company.address", addressText(tenant.address)],
    ["company.reference", tenant.customer_reference],
    ["company.language", tenant.language === "en" ? "English" : t("company.language.nb")],
  ]);
}

/** The subscription (CONTRACT §2), read only: package, status, since when and paid through. */
function subscription(tenant) {
  return card(
    t("company.subscription"),
    factList(
      [
        ["company.package", formatPackage(tenant.package)],
        ["company.status", t(tenant.status === "ACTIVE" ? "status.ACTIVE" : "status.other")],
        ["company.since", tenant.price_switch_date ? formatDate(tenant.price_switch_date) : null],
        ["company.paidThrough", tenant.paid_through ? formatDate(tenant.paid_through) : null],
      ],
      true,
    ),
  );
}

/** What the form changes, as PATCH /v1/tenant takes it: only changed fields; empty removes. */
function changes(tenant, values) {
  const change = {};
  for (const name of ["name", "email", "invoice_email", "customer_reference", "language"]) {
    const before = name === "language" ? tenant.language || "nb" : tenant[name] || "";
    if (values[name] !== before) change[name] = values[name] || null;
  }
  const address = {};
  for (const part of PARTS) {
    const value = part === "country" ? values[part].toUpperCase() : values[part];
    if (value) address[part] = value;
  }
  const before = tenant.address || {};
  const country = (a) => a.country || "NO";
  if (
    PARTS.some((part) => part !== "country" && (address[part] || "") !== (before[part] || "")) ||
    country(address) !== country(before)
  ) {
    change.address = Object.keys(address).length ? address : null;
  }
  return change;
}

function addressFields(address) {
  const part = (name, label, extra = {}) =>
    field({ name, api: `address.${name}`, label: t(label), value: address[name] || "", ...extra });
  return h(
    "fieldset",
    { class: "stack" },
    h("legend", { text: t("company.address") }),
    part("street", "company.street", { autocomplete: "street-address" }),
    h(
      "div",
      { class: "row" },
      part("postal_code", "company.postalCode", {
        autocomplete: "postal-code",
        inputmode: "numeric",
        class: "short",
      }),
      part("city", "company.city", { autocomplete: "address-level2" }),
    ),
    part("country", "company.country", {
      value: address.country || "NO",
      hint: t("company.country.hint"),
      class: "short",
      autocomplete: "off",
    }),
  );
}

function profileFields(tenant) {
  const email = (name, label, hint) =>
    field({
      name,
      label: t(label),
      type: "email",
      value: tenant[name] || "",
      hint: t(hint),
      spellcheck: "false",
    });
  return [
    field({ name: "name", label: t("company.name"), value: tenant.name, autocomplete: "organization" }),
    email("email", "company.email", "company.email.hint"),
    email("invoice_email", "company.invoiceEmail", "company.invoiceEmail.hint"),
    field({
      name: "customer_reference",
      label: t("company.reference"),
      value: tenant.customer_reference || "",
      hint: t("company.reference.hint"),
    }),
    field({
      name: "language",
      label: t("company.language"),
      value: tenant.language || "nb",
      options: [
        ["nb", t("company.language.nb")],
        ["en", "English"],
      ],
    }),
    addressFields(tenant.address || {}),
  ];
}

function profileForm(state, reload) {
  const form = h(
    "form",
    { class: "stack narrow" },
    profileFields(state.tenant),
    formAlert(),
    h("div", { class: "form-submit" }, h("button", { type: "submit", class: "primary", text: t("save") })),
  );
  onSubmit(form, {
    onStale: () => staleDialog(t("company.what"), () => reload({ focus: "name" })),
    run: async (values) => {
      const change = changes(state.tenant, values);
      if (!Object.keys(change).length) {
        announce(t("noChanges"));
        return;
      }
      const { data, etag } = await patch("/v1/tenant", change, state.etag);
      state.tenant = data;
      state.etag = etag;
      state.saved(data);
      announce(t("saved"));
    },
  });
  return form;
}

function orgNumberLine(tenant) {
  const number = h("span", { class: "nowrap", text: formatOrgNumber(tenant.org_number) });
  return h("p", { class: "muted" }, `${t("company.orgNumber")}: `, number);
}

export async function companyView(ctx) {
  const [loaded, role] = await Promise.all([ctx.tenant({ fresh: true }), ctx.role()]);
  const state = { tenant: loaded.data, etag: loaded.etag };
  state.saved = (data) => {
    ctx.keepTenant({ data, etag: state.etag });
    ctx.setFirmName(data.name);
  };
  const root = h("div");
  const draw = () => {
    const details =
      role === "admin"
        ? card(t("company.profile"), orgNumberLine(state.tenant), profileForm(state, reload))
        : card(
            t("company.profile"),
            facts(state.tenant),
            h("p", { class: "note", text: t("company.adminOnly") }),
          );
    root.replaceChildren(
      pageHead(t("company.title"), t("company.lead")),
      h("div", { class: "columns" }, h("div", {}, details), h("div", {}, subscription(state.tenant))),
    );
  };
  async function reload({ focus } = {}) {
    let fresh;
    try {
      fresh = await ctx.tenant({ fresh: true });
    } catch (error) {
      actionFailure(error);
      return;
    }
    state.tenant = fresh.data;
    state.etag = fresh.etag;
    ctx.setFirmName(fresh.data.name);
    draw();
    const target = focus === "name" ? root.querySelector("input[name=name]") : null;
    if (target) target.focus();
  }
  draw();
  return root;
}
