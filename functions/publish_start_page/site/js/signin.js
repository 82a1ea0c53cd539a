// Signing in on the page's own form: e-mail and password, the first sign-in's new password
// (NEW_PASSWORD_REQUIRED), and a forgotten password (a code by e-mail, then a new password).
import { announce, focusHeading, h, pageHead } from "./dom.js";
import { alertIn, field, fieldError, formAlert, onSubmit } from "./forms.js";
import { t } from "./i18n.js";
import * as session from "./session.js";

// The pool's password policy (template.yaml, RegisterUserPool), said in words beside the field.
const RULES = [(p) => p.length >= 12, (p) => /[a-z]/.test(p), (p) => /[A-Z]/.test(p), (p) => /[0-9]/.test(p)];
const TOO_MANY = ["TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"];

function link(text, onclick) {
  return h("button", { type: "button", class: "link", text, onclick });
}

function passwordFields() {
  return [
    field({
      name: "password",
      label: t("newPassword"),
      type: "password",
      autocomplete: "new-password",
      hint: t("passwordRules"),
    }),
    field({ name: "repeat", label: t("repeatPassword"), type: "password", autocomplete: "new-password" }),
  ];
}

/** The new password's own checks, before the pool is asked; true when it may be sent. */
function newPasswordOk(form, { password, repeat }) {
  if (!RULES.every((rule) => rule(password))) return !fieldError(form, "password", t("passwordRules.broken"));
  if (password !== repeat) return !fieldError(form, "repeat", t("passwordRules.mismatch"));
  return true;
}

/** The pool's refusal in the page's words: beside a field where one is meant, else in the form's alert. */
function authFailure(form, error) {
  if (!(error instanceof session.AuthError)) throw error; // a lost connection: the form says so
  const type = error.type;
  if (type === "InvalidPasswordException") return fieldError(form, "password", t("passwordRules.broken"));
  if (type === "CodeMismatchException") return fieldError(form, "code", t("auth.codeMismatch"));
  if (type === "ExpiredCodeException") return fieldError(form, "code", t("auth.codeExpired"));
  if (type === "PasswordResetRequiredException") return alertIn(form, t("auth.resetRequired"));
  if (TOO_MANY.includes(type)) return alertIn(form, t("auth.tooMany"));
  if (type === "NotAuthorizedException" || type === "UserNotFoundException")
    return alertIn(form, t("auth.wrong"));
  return alertIn(form, t("error.general"));
}

function required(form, values, names) {
  const missing = names.filter((name) => !values[name]);
  for (const name of missing) fieldError(form, name, t(`required.${name}`));
  return missing.length === 0;
}

function authPage(title, lead, form, ...after) {
  return h(
    "div",
    { class: "auth-card" },
    pageHead(title, lead),
    form,
    after.length ? h("div", { class: "auth-links" }, after) : null,
  );
}

function signInStep(flow, email = "") {
  const form = h(
    "form",
    { class: "stack" },
    field({
      name: "email",
      label: t("email"),
      type: "email",
      value: email,
      autocomplete: "username",
      spellcheck: "false",
    }),
    field({ name: "password", label: t("password"), type: "password", autocomplete: "current-password" }),
    formAlert(),
    h("button", { type: "submit", class: "primary wide", text: t("signIn") }),
  );
  onSubmit(form, {
    run: async (values) => {
      if (!required(form, values, ["email", "password"])) return;
      let answer;
      try {
        answer = await session.signIn(values.email, values.password);
      } catch (error) {
        authFailure(form, error);
        return;
      }
      if (answer.signedIn) flow.done();
      else if (answer.challenge === "NEW_PASSWORD_REQUIRED") flow.show(newPasswordStep(flow, answer));
      else alertIn(form, t("auth.unsupported"));
    },
  });
  return authPage(
    t("signIn.title"),
    t("signIn.lead"),
    form,
    link(t("forgot.link"), () => flow.show(forgotStep(flow, form.elements.email.value.trim()))),
  );
}

function newPasswordStep(flow, challenge) {
  const form = h(
    "form",
    { class: "stack" },
    passwordFields(),
    formAlert(),
    h("button", { type: "submit", class: "primary wide", text: t("newPassword.save") }),
  );
  onSubmit(form, {
    run: async (values) => {
      if (!newPasswordOk(form, values)) return;
      try {
        await session.chooseNewPassword(challenge, values.password);
      } catch (error) {
        if (error instanceof session.AuthError && error.type === "NotAuthorizedException") {
          flow.show(signInStep(flow, challenge.email));
          announce(t("newPassword.expired"), "error");
          return;
        }
        authFailure(form, error);
        return;
      }
      flow.done();
    },
  });
  return authPage(t("newPassword.title"), t("newPassword.lead"), form);
}

function forgotStep(flow, email) {
  const form = h(
    "form",
    { class: "stack" },
    field({
      name: "email",
      label: t("email"),
      type: "email",
      value: email,
      autocomplete: "username",
      spellcheck: "false",
    }),
    formAlert(),
    h("button", { type: "submit", class: "primary wide", text: t("forgot.send") }),
  );
  onSubmit(form, {
    run: async (values) => {
      if (!required(form, values, ["email"])) return;
      try {
        await session.forgotPassword(values.email);
      } catch (error) {
        if (error instanceof session.AuthError && error.type === "InvalidParameterException") {
          fieldError(form, "email", t("error.email"));
          return;
        }
        authFailure(form, error);
        return;
      }
      flow.show(resetStep(flow, values.email));
    },
  });
  return authPage(
    t("forgot.title"),
    t("forgot.lead"),
    form,
    link(t("backToSignIn"), () => flow.show(signInStep(flow, email))),
  );
}

function resetStep(flow, email) {
  const form = h(
    "form",
    { class: "stack" },
    field({
      name: "code",
      label: t("code"),
      autocomplete: "one-time-code",
      inputmode: "numeric",
      spellcheck: "false",
    }),
    passwordFields(),
    formAlert(),
    h("button", { type: "submit", class: "primary wide", text: t("reset.save") }),
  );
  onSubmit(form, {
    run: async (values) => {
      if (!required(form, values, ["code"]) || !newPasswordOk(form, values)) return;
      try {
        await session.confirmForgotPassword(email, values.code, values.password);
      } catch (error) {
        authFailure(form, error);
        return;
      }
      flow.show(signInStep(flow, email));
      announce(t("reset.done"));
    },
  });
  return authPage(
    t("reset.title"),
    t("reset.lead", { email }),
    form,
    link(t("reset.again"), () => flow.show(forgotStep(flow, email))),
    link(t("backToSignIn"), () => flow.show(signInStep(flow, email))),
  );
}

/** The sign-in flow; `onSignedIn()` once the pool has given tokens. */
export function signInView({ onSignedIn }) {
  const root = h("div", { class: "auth" });
  const flow = {
    show: (step) => {
      root.replaceChildren(step);
      if (root.isConnected) focusHeading(root);
    },
    done: onSignedIn,
  };
  root.append(signInStep(flow));
  return root;
}
