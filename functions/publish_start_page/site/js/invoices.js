// The firm's invoices, newest first: number, period, due date, total and delivery status in
// words; the PDF, EHF and basis are fetched with the token (the 307 followed) and saved as
// files; an admin sends one again (POST …/delivery with an Idempotency-Key).
import { download, get, post } from "./api.js";
import { announce, badge, dataTable, h, openDialog, pageHead, srOnly, uid } from "./dom.js";
import { actionFailure, field, formAlert, onSubmit } from "./forms.js";
import { formatAmount, formatDate, formatPeriod, language, t } from "./i18n.js";

const STATUS_TONES = { pending: "neutral", sent: "info", delivered: "ok", failed: "error" };
const DOCUMENTS = [
  ["pdf", "invoices.pdf", "pdf"],
  ["ehf", "invoices.ehf", "xml"],
  ["basis", "invoices.basis", "csv"],
];

function filename(invoice, document, extension) {
  const stem =
    language() === "nb"
      ? { pdf: "faktura", ehf: "faktura-ehf", basis: "fakturagrunnlag" }
      : { pdf: "invoice", ehf: "invoice-ehf", basis: "invoice-basis" };
  return `${stem[document]}-${invoice.invoice_number}.${extension}`;
}

async function open(button, invoice, document, extension) {
  if (button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  try {
    await download(
      `/v1/invoices/${invoice.invoice_number}/${document}`,
      filename(invoice, document, extension),
    );
    announce(t("invoices.downloaded", { name: filename(invoice, document, extension) }));
  } catch (error) {
    actionFailure(error, { conflict: "invoices.notReady" });
  } finally {
    button.removeAttribute("aria-disabled");
  }
}

function resendDialog(invoice, address) {
  const credit = invoice.document_type === "CREDIT_NOTE";
  const form = h(
    "form",
    { class: "stack" },
    h("p", { text: t("invoices.resend.text", { address }) }),
    field({
      name: "email",
      label: t("invoices.resend.to"),
      type: "email",
      autocomplete: "off",
      spellcheck: "false",
    }),
    formAlert(),
  );
  const send = h("button", { type: "submit", class: "primary", text: t("invoices.resend.send") });
  const cancel = h("button", { type: "button", class: "secondary", text: t("cancel") });
  form.append(h("div", { class: "dialog-actions" }, send, cancel));
  const dialog = openDialog({
    title: t(credit ? "invoices.resend.titleCredit" : "invoices.resend.title", {
      number: invoice.invoice_number,
    }),
    body: [form],
  });
  cancel.addEventListener("click", () => dialog.close());
  onSubmit(form, {
    keyed: true,
    conflict: { text: "invoices.notReady" },
    run: async (values, key) => {
      await post(
        `/v1/invoices/${invoice.invoice_number}/delivery`,
        values.email ? { email: values.email } : {},
        key,
      );
      dialog.close();
      announce(t("invoices.resent", { number: invoice.invoice_number, address: values.email || address }));
    },
  });
  form.elements.email.focus();
}

function numberCell(invoice, numberId) {
  const credit = invoice.document_type === "CREDIT_NOTE";
  const kind = t(credit ? "invoices.creditNote" : "invoices.invoice");
  return h(
    "th",
    { scope: "row", class: "nowrap" },
    h("span", { id: numberId }, srOnly(`${kind} `), String(invoice.invoice_number)),
    credit ? [" ", badge(t("invoices.creditNote"), "muted")] : null,
  );
}

function invoiceRow(invoice, page) {
  const numberId = uid("invoice");
  const button = (text, onclick) =>
    h("button", { type: "button", class: "secondary small", "aria-describedby": numberId, text, onclick });
  const documents = DOCUMENTS.map(([document, label, extension]) =>
    button(t(label), (event) => open(event.currentTarget, invoice, document, extension)),
  );
  const period =
    invoice.kind === "ANNUAL"
      ? t("invoices.annual", { period: invoice.period })
      : formatPeriod(invoice.period);
  const status = invoice.delivery_status;
  return h(
    "tr",
    {},
    numberCell(invoice, numberId),
    h("td", { text: period }),
    h("td", { class: "nowrap", text: formatDate(invoice.due_date) }),
    h("td", { class: "amount nowrap", text: formatAmount(invoice.total) }),
    h("td", {}, badge(t(`delivery.${status}`), STATUS_TONES[status] || "neutral")),
    h("td", { class: "documents" }, h("div", { class: "buttons" }, documents)),
    page.admin
      ? h(
          "td",
          { class: "actions" },
          button(t("invoices.resend"), () => resendDialog(invoice, page.address)),
        )
      : null,
  );
}

function invoiceTable(invoices, page) {
  const keys = [
    "invoices.number",
    "invoices.period",
    "invoices.due",
    "invoices.total",
    "invoices.delivery",
    "invoices.documents",
  ];
  const columns = keys.map((key) =>
    h("th", { scope: "col", class: key === "invoices.total" ? "amount" : null, text: t(key) }),
  );
  if (page.admin)
    columns.push(h("th", { scope: "col" }, h("span", { class: "sr-only", text: t("actions") })));
  return dataTable(
    t("invoices.caption"),
    columns,
    invoices.map((invoice) => invoiceRow(invoice, page)),
  );
}

export async function invoicesView(ctx) {
  const [first, role, tenant] = await Promise.all([get("/v1/invoices?limit=50"), ctx.role(), ctx.tenant()]);
  const page = {
    admin: role === "admin",
    address: tenant.data.invoice_email || tenant.data.email || "",
    invoices: first.data.items,
    cursor: first.data.next_cursor,
  };
  const listArea = h("div");
  const more = h("button", { type: "button", class: "secondary", text: t("invoices.more") });
  const draw = () => {
    listArea.replaceChildren(
      page.invoices.length
        ? invoiceTable(page.invoices, page)
        : h("p", { class: "empty", text: t("invoices.none") }),
    );
    more.hidden = !page.cursor;
  };
  more.addEventListener("click", async () => {
    try {
      const { data } = await get(`/v1/invoices?limit=50&cursor=${encodeURIComponent(page.cursor)}`);
      page.invoices.push(...data.items);
      page.cursor = data.next_cursor;
      draw();
    } catch (error) {
      actionFailure(error);
    }
  });
  draw();
  return h(
    "div",
    {},
    pageHead(t("invoices.title"), t("invoices.lead")),
    h("div", { class: "card" }, listArea, h("div", { class: "more" }, more)),
  );
}
