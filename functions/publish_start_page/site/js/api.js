// The register API (CONTRACT §9) as the page calls it: the ID token as a bearer token, JSON in
// and out, problem+json refusals as ApiError, a lost connection as NetworkError, ETag/If-Match
// and Idempotency-Key passed through, every page of a list followed, documents as files.
import { NetworkError, idToken, signedIn } from "./session.js";

export { NetworkError };

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** The named fields of a 422 ({"org_number": "…"}); the API's words are never shown. */
  get fields() {
    return this.problem.errors || {};
  }
}

/** The session has ended (signed out elsewhere, expired, or the user was removed). */
export class SignedOut extends Error {}

async function problemOf(response) {
  try {
    const body = await response.json();
    return body && typeof body === "object" ? body : {};
  } catch {
    return {};
  }
}

async function send(method, path, options, force) {
  const token = await idToken({ force }).catch((error) => {
    if (signedIn()) throw new NetworkError(String(error)); // the session stands: try again later
    return null;
  });
  if (!token) throw new SignedOut();
  const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.ifMatch) headers["If-Match"] = options.ifMatch;
  if (options.key) headers["Idempotency-Key"] = options.key;
  try {
    return await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: "no-store",
    });
  } catch (error) {
    throw new NetworkError(String(error));
  }
}

/** One request; answers {data, etag, response}. A 401 refreshes the token once and tries again. */
export async function request(method, path, options = {}) {
  let response = await send(method, path, options, false);
  if (response.status === 401) response = await send(method, path, options, true);
  if (response.status === 401) throw new SignedOut();
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (options.raw) return { data: null, etag: null, response };
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  return { data, etag: response.headers.get("ETag"), response };
}

export const get = (path) => request("GET", path);
export const post = (path, body, key) => request("POST", path, { body, key });
export const patch = (path, body, ifMatch) => request("PATCH", path, { body, ifMatch });
export const remove = (path, ifMatch) => request("DELETE", path, { ifMatch });

/** Every item of a paginated list, following next_cursor. */
export async function listAll(path, limit = 500) {
  const items = [];
  let cursor = null;
  do {
    const joiner = path.includes("?") ? "&" : "?";
    const query = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const { data } = await get(`${path}${joiner}${query}`);
    items.push(...data.items);
    cursor = data.next_cursor;
  } while (cursor);
  return items;
}

/** A new key for one submission (kept by the form while that submission is retried). */
export function idempotencyKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A document (307 to a presigned URL): fetched with the token, the redirect followed, saved as a file. */
export async function download(path, filename) {
  const { response } = await request("GET", path, { raw: true });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return blob;
}
