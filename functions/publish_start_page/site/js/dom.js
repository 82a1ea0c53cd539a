// Building the page's elements from nodes, never from markup (text is always text), its dialogs and its
// status messages. Handlers are attached with addEventListener: the CSP forbids inline ones.
import { t } from "./i18n.js";

let ids = 0;

/** A fresh id for a label, hint or error to point at. */
export function uid(prefix = "el") {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** Set one property of `h`: a class, text, a handler, a boolean or plain attribute. */
function setProp(el, key, value) {
  if (value === null || value === undefined || value === false) return;
  if (key === "class") el.className = value;
  else if (key === "text") el.textContent = value;
  else if (key.startsWith("on") && typeof value === "function") {
    el.addEventListener(key.slice(2).toLowerCase(), value);
  } else el.setAttribute(key, value === true ? "" : String(value));
}

/** An element: h("button", {class: "primary", onclick}, "Lagre"). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) setProp(el, key, value);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Text only screen readers hear (visually hidden, still in the accessibility tree). */
export function srOnly(text) {
  return h("span", { class: "sr-only", text });
}

const MESSAGE_MS = { ok: 8000, error: 15000 };
let announced = 0;

/** The live region: a status message said once to screen readers and shown on screen. */
export function announce(message, tone = "ok") {
  const region = document.getElementById("status");
  if (!region) return;
  region.textContent = "";
  region.dataset.tone = tone;
  window.clearTimeout(announced);
  // A fresh text node after a tick, so the same message twice is announced twice; it clears
  // itself after a while, so it never stands over the page for long.
  window.setTimeout(() => {
    region.textContent = message;
    announced = window.setTimeout(() => {
      region.textContent = "";
    }, MESSAGE_MS[tone] || MESSAGE_MS.ok);
  }, 30);
}

export function clearAnnouncement() {
  const region = document.getElementById("status");
  if (region) region.textContent = "";
}

/** The page's heading block: an h1 that takes focus after navigation, and a lead line. */
export function pageHead(title, lead, ...extra) {
  return h(
    "div",
    { class: "page-head" },
    h("h1", { tabindex: "-1", text: title }),
    lead ? h("p", { class: "lead", text: lead }) : null,
    extra,
  );
}

/** A labelled card (section) with an h2. */
export function card(title, ...children) {
  const headingId = uid("card");
  return h(
    "section",
    { class: "card", "aria-labelledby": headingId },
    h("h2", { id: headingId, text: title }),
    children,
  );
}

/** A modal <dialog>: title, body nodes and buttons; focus moves in, and back where it was. */
export function openDialog({ title, body = [], buttons = [], alert = false, initial }) {
  const opener = document.activeElement;
  const titleId = uid("dialog-title");
  const bodyId = uid("dialog-body");
  const dialog = h(
    "dialog",
    {
      class: "dialog",
      "aria-labelledby": titleId,
      "aria-describedby": bodyId,
      role: alert ? "alertdialog" : null,
    },
    h("h2", { id: titleId, text: title }),
    h("div", { id: bodyId, class: "dialog-body" }, body),
    buttons.length ? h("div", { class: "dialog-actions" }, buttons) : null,
  );
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  if (initial) initial.focus();
  return dialog;
}

/** Ask before something that cannot be undone; resolves true when confirmed. */
export function confirmDialog({ title, text, confirm, danger = true }) {
  return new Promise((resolve) => {
    let answer = false;
    const cancelButton = h("button", { type: "button", class: "secondary", text: t("cancel") });
    const confirmButton = h("button", {
      type: "button",
      class: danger ? "danger" : "primary",
      text: confirm,
    });
    const dialog = openDialog({
      title,
      body: [h("p", { text })],
      buttons: [confirmButton, cancelButton],
      alert: true,
      initial: cancelButton,
    });
    cancelButton.addEventListener("click", () => dialog.close());
    confirmButton.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener("close", () => resolve(answer));
  });
}

/** Someone else changed what the user edits (412): say so and offer to load it again. */
export function staleDialog(what, reload) {
  const reloadButton = h("button", { type: "button", class: "primary", text: t("reload") });
  const cancelButton = h("button", { type: "button", class: "secondary", text: t("cancel") });
  const dialog = openDialog({
    title: t("stale.title"),
    body: [h("p", { text: t("stale.text", { what }) })],
    buttons: [reloadButton, cancelButton],
    alert: true,
    initial: reloadButton,
  });
  cancelButton.addEventListener("click", () => dialog.close());
  reloadButton.addEventListener("click", () => {
    dialog.close();
    reload();
  });
  return dialog;
}

/** A badge (text in a pill). */
export function badge(text, tone = "neutral") {
  return h("span", { class: `badge badge-${tone}`, text });
}

/** Move focus to the page's h1 (after navigation, so a screen reader says where it is). */
export function focusHeading(root = document) {
  const heading = root.querySelector("main h1");
  if (heading) heading.focus({ preventScroll: false });
}

/** Roles stated on a table's parts, so it stays a table to assistive technology when a narrow
 * screen lays its rows out as blocks (CSS display changes may drop the native roles); each
 * cell also gets its column's name, which the narrow layout shows beside the value. */
function keepTableRoles(table, headerCells) {
  const labels = headerCells.map((cell) => (cell.querySelector(".sr-only") ? "" : cell.textContent));
  table.setAttribute("role", "table");
  for (const group of table.querySelectorAll("thead, tbody")) group.setAttribute("role", "rowgroup");
  for (const row of table.querySelectorAll("tr")) {
    row.setAttribute("role", "row");
    [...row.children].forEach((cell, index) => {
      const header = cell.parentElement.parentElement.tagName === "THEAD";
      cell.setAttribute("role", header ? "columnheader" : cell.tagName === "TH" ? "rowheader" : "cell");
      if (!header && cell.tagName === "TD" && labels[index]) cell.dataset.label = labels[index];
    });
  }
}

/** A table with a caption, in a wrapper that scrolls sideways when it must: the wrapper is a
 * labelled region that takes focus, so the keyboard can scroll it too. */
export function dataTable(caption, headerCells, rows) {
  const captionId = uid("caption");
  const table = h(
    "table",
    {},
    h("caption", { id: captionId, class: "sr-only", text: caption }),
    h("thead", {}, h("tr", {}, headerCells)),
    h("tbody", {}, rows),
  );
  keepTableRoles(table, headerCells);
  return h(
    "div",
    { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": captionId },
    table,
  );
}
