// The page's two languages: bokmål ("nb") and English ("en"). The first comes from the
// browser (nb, no or nn: bokmål; anything else: English); the switch is kept in sessionStorage.
// Dates and amounts are formatted by Intl with explicit options, never by the browser's default.
import { TEXTS } from "./texts.js";

const KEY = "periodyear.language";
const NORWEGIAN = ["nb", "no", "nn"];

function fromBrowser() {
  const wanted =
    navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  const first = String(wanted[0] || "en")
    .toLowerCase()
    .split("-")[0];
  return NORWEGIAN.includes(first) ? "nb" : "en";
}

function stored() {
  try {
    const value = window.sessionStorage.getItem(KEY);
    return value === "nb" || value === "en" ? value : null;
  } catch {
    return null;
  }
}

let current = stored() || fromBrowser();

export function language() {
  return current;
}

export function setLanguage(value) {
  current = value === "nb" ? "nb" : "en";
  try {
    window.sessionStorage.setItem(KEY, current);
  } catch {
    // A browser that refuses storage keeps the choice for this page only.
  }
  document.documentElement.lang = current;
}

/** The text for `key` in the current language, with {name} placeholders filled. */
export function t(key, values = {}) {
  const pair = TEXTS[key];
  if (!pair) {
    console.error(`missing text: ${key}`);
    return key;
  }
  const text = pair[current === "nb" ? 0 : 1];
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

const LOCALES = { nb: "nb-NO", en: "en-GB" };

/** "2022-08-31" → 31.08.2022 / 31 Aug 2022; an instant is shown as its date in Oslo. */
export function formatDate(value) {
  if (!value) return "";
  const plain = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = plain ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const options =
    current === "nb"
      ? { day: "2-digit", month: "2-digit", year: "numeric" }
      : { day: "numeric", month: "short", year: "numeric" };
  options.timeZone = plain ? "UTC" : "Europe/Oslo";
  const parts = new Intl.DateTimeFormat(LOCALES[current], options).formatToParts(date);
  // en-GB writes September "Sept"; the project's documents write "Sep", like every other month's three letters.
  return parts.map((part) => (part.type === "month" && part.value === "Sept" ? "Sep" : part.value)).join("");
}

/** "1234.5" → 1 234,50 / 1,234.50 (a minus sign on a credit). */
export function formatAmount(value) {
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value);
  return new Intl.NumberFormat(LOCALES[current], {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    useGrouping: true,
  }).format(number);
}

/** A monthly invoice's "2022-05" → mai 2022 / May 2022; an annual one's "2022" stays. */
export function formatPeriod(period) {
  const month = /^(\d{4})-(\d{2})$/.exec(period || "");
  if (!month) return period || "";
  const date = new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 1));
  return new Intl.DateTimeFormat(LOCALES[current], {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).format(date);
}

/** An organisation number as people write it: 974 760 673. */
export function formatOrgNumber(value) {
  const digits = String(value || "");
  return /^\d{9}$/.test(digits) ? `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}` : digits;
}

// The catalog's packages for new tenants (its price lists); the API refuses any other.
export const PACKAGES = ["KOMPLETT", "PERIODEAVSLUTNING", "ARSOPPGJOR_PLUSS"];

/** A package's name as the product says it; an old platform's code as it is. */
export function formatPackage(code) {
  return PACKAGES.includes(code) ? t(`package.${code}`) : code || "";
}
