// Signing in against the user pool's own JSON API (the wire format of
// cognito-idp.<region>.amazonaws.com): USER_PASSWORD_AUTH, the first sign-in's new password,
// a forgotten password, refreshing the ID token, and signing out at the pool.
// Tokens live in memory and sessionStorage only (never localStorage): a closed tab forgets them.

const KEY = "periodyear.session";
const MARGIN_SECONDS = 60; // refresh an ID token this long before it expires

export class AuthError extends Error {
  constructor(type, message) {
    super(message || type);
    this.type = type; // e.g. NotAuthorizedException, CodeMismatchException
  }
}

export class NetworkError extends Error {}

let configPromise = null;
let tokens = read();
let refreshing = null;

/** The page's /config.json: region, userPoolId, clientId, cognitoEndpoint. */
export function config() {
  if (!configPromise) {
    configPromise = fetch("/config.json", { cache: "no-cache" })
      .then((response) => {
        if (!response.ok) throw new NetworkError(`config.json: ${response.status}`);
        return response.json();
      })
      .catch((error) => {
        configPromise = null;
        throw error instanceof NetworkError ? error : new NetworkError(String(error));
      });
  }
  return configPromise;
}

function read() {
  try {
    const raw = window.sessionStorage.getItem(KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function keep(value) {
  tokens = value;
  try {
    if (value) window.sessionStorage.setItem(KEY, JSON.stringify(value));
    else window.sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused: the session lasts as long as this page.
  }
}

/** The claims of a JWT (not verified here: the API's authorizer verifies it). */
export function claims(jwt) {
  const part = String(jwt || "").split(".")[1] || "";
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(base64 + "===".slice((base64.length + 3) % 4)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

async function call(operation, payload) {
  const { cognitoEndpoint } = await config();
  let response;
  try {
    response = await fetch(cognitoEndpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify(payload),
      cache: "no-store",
    });
  } catch (error) {
    throw new NetworkError(String(error));
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const type = String(body.__type || response.headers.get("x-amzn-ErrorType") || "")
      .split("#")
      .pop();
    if (response.status >= 500 && !type) throw new NetworkError(`${operation}: ${response.status}`);
    throw new AuthError(type.split(":")[0] || "UnknownError", body.message);
  }
  return body;
}

function started(result, email) {
  keep({
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken,
    email,
  });
  return { signedIn: true };
}

/** Sign in with e-mail and password; a first sign-in answers {challenge: "NEW_PASSWORD_REQUIRED"}. */
export async function signIn(email, password) {
  const { clientId } = await config();
  const answer = await call("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: clientId,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (answer.AuthenticationResult) return started(answer.AuthenticationResult, email);
  const parameters = answer.ChallengeParameters || {};
  return {
    challenge: answer.ChallengeName,
    session: answer.Session,
    username: parameters.USER_ID_FOR_SRP || email,
    email,
  };
}

/** The first sign-in: the temporary password is replaced by the user's own. */
export async function chooseNewPassword(challenge, newPassword) {
  const { clientId } = await config();
  const answer = await call("RespondToAuthChallenge", {
    ChallengeName: "NEW_PASSWORD_REQUIRED",
    ClientId: clientId,
    Session: challenge.session,
    ChallengeResponses: { USERNAME: challenge.username, NEW_PASSWORD: newPassword },
  });
  if (!answer.AuthenticationResult) throw new AuthError(answer.ChallengeName || "UnknownChallenge");
  return started(answer.AuthenticationResult, challenge.email);
}

export async function forgotPassword(email) {
  const { clientId } = await config();
  return call("ForgotPassword", { ClientId: clientId, Username: email });
}

export async function confirmForgotPassword(email, code, newPassword) {
  const { clientId } = await config();
  return call("ConfirmForgotPassword", {
    ClientId: clientId,
    Username: email,
    ConfirmationCode: code,
    Password: newPassword,
  });
}

export function signedIn() {
  return Boolean(tokens && tokens.idToken);
}

/** Who is signed in, from the ID token's claims. */
export function who() {
  if (!signedIn()) return null;
  const c = claims(tokens.idToken);
  const groups = Array.isArray(c["cognito:groups"]) ? c["cognito:groups"] : [];
  return {
    email: c.email || tokens.email,
    name: c.name || "",
    tenantId: c["custom:tenant_id"] || null,
    userId: c["custom:user_id"] || null,
    operator: groups.includes("operators"),
  };
}

async function refresh() {
  const { clientId } = await config();
  const answer = await call("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: clientId,
    AuthParameters: { REFRESH_TOKEN: tokens.refreshToken },
  });
  const result = answer.AuthenticationResult;
  keep({ ...tokens, idToken: result.IdToken, accessToken: result.AccessToken });
}

/** A valid ID token, refreshed first when it expires within a minute; null when signed out. */
export async function idToken({ force = false } = {}) {
  if (!signedIn()) return null;
  const expires = Number(claims(tokens.idToken).exp || 0);
  if (force || expires - MARGIN_SECONDS < Date.now() / 1000) {
    if (!refreshing) {
      refreshing = refresh()
        .catch((error) => {
          // Only the pool's refusal of the refresh token ends the session; a lost connection or
          // a throttled call keeps it (and what the user typed), to be tried again.
          if (error instanceof AuthError && error.type === "NotAuthorizedException") keep(null);
          throw error;
        })
        .finally(() => {
          refreshing = null;
        });
    }
    await refreshing;
  }
  return tokens ? tokens.idToken : null;
}

/** Forget the session here at once, then end it at the pool (every device, and this refresh token). */
export async function signOut() {
  const ended = tokens;
  keep(null);
  if (!ended) return;
  const { clientId } = await config().catch(() => ({}));
  await call("GlobalSignOut", { AccessToken: ended.accessToken }).catch(() => null);
  if (ended.refreshToken && clientId) {
    await call("RevokeToken", { Token: ended.refreshToken, ClientId: clientId }).catch(() => null);
  }
}

/** Forget the session here only (the pool refused it, or the user is no longer a user). */
export function forget() {
  keep(null);
}
