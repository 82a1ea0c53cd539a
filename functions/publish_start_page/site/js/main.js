// The start page: the shell (header, navigation, language, sign-out) and the hash routes.
// Signed out, every route shows the sign-in form; signed in, #/clients is the start page.
import { ApiError, NetworkError, SignedOut, get, listAll } from "./api.js";
import { clientView } from "./client.js";
import { clientsView } from "./clients.js";
import { companyView } from "./company.js";
import { announce, clearAnnouncement, focusHeading, h, pageHead } from "./dom.js";
import { language, setLanguage, t } from "./i18n.js";
import { invoicesView } from "./invoices.js";
import * as session from "./session.js";
import { signInView } from "./signin.js";
import { tenantsView } from "./tenants.js";
import { usersView } from "./users.js";

const VIEWS = {
  clients: { view: clientsView, title: "nav.clients", tenant: true },
  client: { view: clientView, title: "nav.clients", tenant: true, nav: "clients" },
  users: { view: usersView, title: "nav.users", tenant: true },
  invoices: { view: invoicesView, title: "nav.invoices", tenant: true },
  company: { view: companyView, title: "nav.company", tenant: true },
  tenants: { view: tenantsView, title: "nav.tenants", operator: true },
};
const NAV = ["clients", "users", "invoices", "company", "tenants"];

const main = document.getElementById("main");
const header = document.getElementById("header");
let renders = 0;
let cache = {};

/** The route of the address: {name, id}; "#/" and "" are the start page. */
function route() {
  const match = /^#\/([a-z]*)(?:\/(.+))?$/.exec(window.location.hash || "#/");
  if (!match || match[1] === "client") return { name: match ? "unknown" : "" };
  let id = null;
  try {
    id = match[2] ? decodeURIComponent(match[2]) : null;
  } catch {
    return { name: "unknown" }; // a malformed escape typed into the address: no such page
  }
  if (id && match[1] !== "clients") return { name: "unknown" };
  return { name: id ? "client" : match[1], id };
}

function allowed(name, who) {
  const entry = VIEWS[name];
  return Boolean(entry && ((entry.tenant && who.tenantId) || (entry.operator && who.operator)));
}

function startPage(who) {
  return who.tenantId ? "clients" : "tenants";
}

/** What every view may ask for, each loaded once per session and shared. */
function context(who, params) {
  return {
    who,
    params,
    go: (hash) => {
      window.location.hash = hash;
    },
    rerender: () => render({ focus: false }),
    tenant: ({ fresh = false } = {}) => {
      if (fresh || !cache.tenant) {
        const asked = get("/v1/tenant");
        cache.tenant = asked;
        asked.catch(() => {
          if (cache.tenant === asked) cache.tenant = null; // a failure is not kept: the next asks again
        });
      }
      return cache.tenant;
    },
    keepTenant: (answer) => {
      cache.tenant = Promise.resolve(answer);
    },
    role: async () => {
      if (!cache.users) {
        cache.users = listAll("/v1/users");
        cache.users.catch(() => {
          cache.users = null;
        });
      }
      const users = await cache.users;
      const me = users.find((user) => user.user_id === who.userId);
      return me ? me.role : "user";
    },
    forgetUsers: () => {
      cache.users = null;
    },
    setFirmName: (name) => {
      const element = header.querySelector(".firm-name");
      if (element) element.textContent = name;
    },
  };
}

function languageButton() {
  const other = language() === "nb" ? "en" : "nb";
  return h("button", {
    type: "button",
    class: "ghost language",
    lang: other,
    text: t("language.switch"),
    onclick: () => {
      setLanguage(other);
      render({ focus: false }).then(() => header.querySelector(".language")?.focus());
    },
  });
}

function navigation(who, current) {
  const links = NAV.filter((name) => allowed(name, who)).map((name) =>
    h(
      "li",
      {},
      h("a", { href: `#/${name}`, "aria-current": name === current ? "page" : null, text: t(`nav.${name}`) }),
    ),
  );
  return h("nav", { class: "site-nav", "aria-label": t("nav.label") }, h("ul", {}, links));
}

function brand(firm) {
  return h(
    "div",
    { class: "brand" },
    h("img", { src: "/favicon.svg", alt: "", width: "32", height: "32", class: "brand-mark" }),
    h("span", { class: "brand-text" }, h("span", { class: "product", text: "Periode & År" }), firm),
  );
}

function signedInHeader(who, current) {
  const firm = who.tenantId
    ? h("span", { class: "firm-name" })
    : h("span", { class: "firm-name", text: t("operator") });
  const signOut = h("button", {
    type: "button",
    class: "ghost",
    text: t("signOut"),
    onclick: () => endSession(),
  });
  const account = h("span", { class: "account", text: who.email || "" });
  header.replaceChildren(
    h(
      "div",
      { class: "header-bar" },
      brand(firm),
      h("div", { class: "header-actions" }, account, languageButton(), signOut),
    ),
    navigation(who, current),
  );
}

async function endSession() {
  cache = {};
  main.replaceChildren();
  await session.signOut();
  history.replaceState(null, "", "#/");
  await render({ focus: true });
  announce(t("signedOut"));
}

function showSignIn() {
  header.replaceChildren(
    h("div", { class: "header-bar" }, brand(null), h("div", { class: "header-actions" }, languageButton())),
  );
  document.title = `${t("signIn.title")} – Periode & År`;
  main.replaceChildren(
    signInView({
      onSignedIn: () => {
        cache = {};
        clearAnnouncement();
        render({ focus: true });
      },
    }),
  );
}

function failed(error, retry) {
  if (error instanceof SignedOut) {
    session.forget();
    return render({ focus: true }).then(() => announce(t("sessionEnded"), "error"));
  }
  const network = error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);
  main.replaceChildren(
    pageHead(t("loadFailed.title"), t(network ? "error.networkLoad" : "error.general")),
    h("button", { type: "button", class: "primary", text: t("tryAgain"), onclick: retry }),
  );
  return null;
}

function notFound() {
  return h(
    "div",
    {},
    pageHead(t("notFound.title"), t("notFound.text")),
    h("p", {}, h("a", { href: "#/", text: t("notFound.back") })),
  );
}

/** Draw the page for the address; `focus`: move focus to its h1 (after navigation). */
async function render({ focus = true } = {}) {
  renders += 1;
  const mine = renders;
  document.documentElement.lang = language();
  labelStatic();
  if (!session.signedIn()) return showSignIn();
  const who = session.who();
  let { name, id } = route();
  if (!name) name = startPage(who);
  const entry = allowed(name, who) ? VIEWS[name] : null;
  signedInHeader(who, entry ? entry.nav || name : null);
  document.title = `${t(entry ? entry.title : "notFound.title")} – Periode & År`;
  main.setAttribute("aria-busy", "true");
  main.replaceChildren(h("p", { class: "loading", text: t("loading") }));
  const ctx = context(who, { id });
  if (who.tenantId)
    ctx.tenant().then(
      ({ data }) => ctx.setFirmName(data.name),
      () => null,
    );
  try {
    const content = entry ? await entry.view(ctx) : notFound();
    if (mine !== renders) return null;
    main.replaceChildren(content);
  } catch (error) {
    if (mine !== renders) return null;
    failed(error, () => render({ focus: true }));
  } finally {
    if (mine === renders) main.removeAttribute("aria-busy");
  }
  if (focus) focusHeading();
  return null;
}

/** The texts outside header and main: the skip link and the footer. */
function labelStatic() {
  document.getElementById("skip").textContent = t("skip");
  document.getElementById("footer").replaceChildren(h("p", { text: t("footer") }));
}

document.getElementById("skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", () => {
  clearAnnouncement();
  render({ focus: true });
});
document.addEventListener("periodyear:signed-out", () => failed(new SignedOut()));
render({ focus: false });
