// Forms: labelled fields with a hint and an error beside each, and one submission at a time.
// A submission keeps its Idempotency-Key while it is retried unchanged (a lost answer or a 5xx),
// and a changed form is a new submission with a new key. What the user typed is never cleared
// by a failure. The API's refusals are shown in the page's own words, by field name.
import { ApiError, NetworkError, SignedOut, idempotencyKey } from "./api.js";
import { announce, h, uid } from "./dom.js";
import { t } from "./i18n.js";

// The API's field names (problem+json "errors") → the page's own text for each.
const FIELD_TEXTS = {
  name: "error.name",
  org_number: "error.orgNumber",
  email: "error.email",
  invoice_email: "error.email",
  role: "error.role",
  language: "error.language",
  customer_reference: "error.reference",
  address: "error.address",
  "address.street": "error.street",
  "address.postal_code": "error.postalCode",
  "address.city": "error.city",
  "address.country": "error.country",
  tenant_id: "error.tenantId",
  package: "error.package",
  "admin.name": "error.name",
  "admin.email": "error.email",
};

/** A labelled input (or select, with `options` as [value, label] pairs). */
export function field({ name, label, type = "text", value = "", hint, options, api, ...attributes }) {
  const id = uid(`f-${name}`);
  const hintId = hint ? uid("hint") : null;
  const errorId = uid("error");
  const common = { id, name, "data-field": api || name, "aria-describedby": hintId, ...attributes };
  const control = options
    ? h(
        "select",
        common,
        options.map(([optionValue, text]) =>
          h("option", { value: optionValue, selected: optionValue === value }, text),
        ),
      )
    : h("input", { type, value: value ?? "", ...common });
  return h(
    "div",
    { class: "field", "data-error-id": errorId },
    h("label", { for: id, text: label }),
    control,
    hint ? h("p", { class: "hint", id: hintId, text: hint }) : null,
    h("p", { class: "field-error", id: errorId, hidden: true }),
  );
}

/** The form's own alert (a failure not tied to one field), placed where `form` shows it. */
export function formAlert() {
  return h("div", { class: "form-alert", role: "alert", hidden: true });
}

/** The form's values by field name (text trimmed, passwords as typed). */
export function valuesOf(form) {
  const values = {};
  for (const element of form.elements) {
    if (!element.name) continue;
    if (element.type === "checkbox") values[element.name] = element.checked;
    else values[element.name] = element.type === "password" ? element.value : element.value.trim();
  }
  return values;
}

export function clearErrors(form) {
  for (const wrapper of form.querySelectorAll(".field")) {
    const control = wrapper.querySelector("input, select");
    const error = wrapper.querySelector(".field-error");
    error.hidden = true;
    error.textContent = "";
    control.removeAttribute("aria-invalid");
    const described = (control.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && id !== error.id);
    if (described.length) control.setAttribute("aria-describedby", described.join(" "));
    else control.removeAttribute("aria-describedby");
  }
  const alert = form.querySelector(".form-alert");
  if (alert) {
    alert.hidden = true;
    alert.textContent = "";
  }
}

/** Show `message` beside the field the API calls `apiName`; false when the form has none. */
export function fieldError(form, apiName, message) {
  const control = form.querySelector(`[data-field="${CSS.escape(apiName)}"]`);
  if (!control) return false;
  const error = control.closest(".field").querySelector(".field-error");
  error.textContent = message;
  error.hidden = false;
  control.setAttribute("aria-invalid", "true");
  const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  control.setAttribute("aria-describedby", [...described, error.id].join(" "));
  return true;
}

export function alertIn(form, message) {
  const alert = form.querySelector(".form-alert");
  alert.textContent = message;
  alert.hidden = false;
}

function focusFirstError(form) {
  const invalid = form.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
}

/** Whether the same submission may be sent again with the same key (its answer never came). */
function retryable(error) {
  return error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);
}

/** The page's words for a refusal; named fields beside their fields, the rest in the form's alert. */
export function showFailure(form, error, { conflict } = {}) {
  if (retryable(error)) return alertIn(form, t("error.network"));
  if (!(error instanceof ApiError)) return alertIn(form, t("error.general"));
  if (error.status === 422) {
    const unshown = Object.keys(error.fields).filter(
      (name) => !fieldError(form, name, t(FIELD_TEXTS[name] || "error.field")),
    );
    if (unshown.length || !Object.keys(error.fields).length) alertIn(form, t("error.invalid"));
    return focusFirstError(form);
  }
  if (error.status === 409 && conflict) {
    const said = typeof conflict === "function" ? conflict(error) : conflict;
    if (!(said.field && fieldError(form, said.field, t(said.text)))) alertIn(form, t(said.text));
    return focusFirstError(form);
  }
  const known = {
    403: "error.forbidden",
    404: "error.notFound",
    409: "error.conflict",
    413: "error.tooLarge",
  };
  return alertIn(form, t(known[error.status] || "error.general"));
}

/**
 * One submission at a time: the submit button is disabled (and a second click ignored) while
 * `run(values, key)` is in flight. `keyed`: a POST whose Idempotency-Key is kept while the same
 * submission is retried. `onStale(error)` answers a 412; a lost session signs the page out.
 */
export function onSubmit(form, { run, keyed = false, conflict, onStale }) {
  let key = null;
  form.noValidate = true;
  form.addEventListener("input", () => {
    key = null; // another body is another submission
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    const buttons = [...form.querySelectorAll("button[type=submit]")];
    form.dataset.busy = "true";
    form.setAttribute("aria-busy", "true");
    for (const button of buttons) button.setAttribute("aria-disabled", "true");
    clearErrors(form);
    if (keyed && !key) key = idempotencyKey();
    try {
      await run(valuesOf(form), key);
      key = null;
    } catch (error) {
      // A 409 keeps the key too: the idempotency layer answers 409 while the first request with
      // it still runs, and the same submission again must not become a second one (a second
      // e-mailed invoice); a real conflict answers 409 again, and an edit makes a new key.
      if (!retryable(error) && !(error instanceof ApiError && error.status === 409)) key = null;
      if (error instanceof SignedOut) document.dispatchEvent(new CustomEvent("periodyear:signed-out"));
      else if (error instanceof ApiError && error.status === 412 && onStale) onStale(error);
      else showFailure(form, error, { conflict });
    } finally {
      delete form.dataset.busy;
      form.removeAttribute("aria-busy");
      for (const button of buttons) button.removeAttribute("aria-disabled");
    }
  });
}

/** A failed action outside a form (a row's button), said in the status region. */
export function actionFailure(error, { conflict } = {}) {
  if (error instanceof SignedOut) {
    document.dispatchEvent(new CustomEvent("periodyear:signed-out"));
    return;
  }
  let key = "error.general";
  if (retryable(error)) key = "error.networkAction";
  else if (error instanceof ApiError) {
    key =
      { 403: "error.forbidden", 404: "error.notFound", 409: conflict || "error.conflict" }[error.status] ||
      key;
  }
  announce(t(key), "error");
}
