/**
 * The one HTTP client of the SPA. Every API function goes through `request`, so
 * CSRF, session expiry and the forced password change are handled in one place.
 */

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export type QueryValue = string | number | boolean | null | undefined;
/** A list is sent as the key repeated (?issuer=a&issuer=b). */
export type Query = Record<string, QueryValue | readonly string[]>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Leave 401 to the caller (used by the start-up `me` probe and the login form). */
  skipAuthHandling?: boolean;
  /** The Accept header; JSON unless a streamed answer is wanted. */
  accept?: string;
}

export interface AuthHandlers {
  onUnauthenticated: (code: string) => void;
  onPasswordChangeRequired: () => void;
}

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const CSRF_COOKIE = "yo_csrf";

let handlers: AuthHandlers | null = null;

/** Wired in main.ts so this module does not import the router or the stores. */
export function setAuthHandlers(h: AuthHandlers): void {
  handlers = h;
}

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

async function fetchCsrfToken(): Promise<string> {
  const res = await fetch("/api/auth/csrf", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!res.ok) throw await toApiError(res);
  const data = (await res.json()) as { token: string };
  return readCookie(CSRF_COOKIE) ?? data.token;
}

async function csrfToken(): Promise<string> {
  return readCookie(CSRF_COOKIE) ?? (await fetchCsrfToken());
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) {
      for (const item of value) params.append(key, item);
      continue;
    }
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const err = (value as { error: unknown }).error;
  return typeof err === "object" && err !== null && "code" in err;
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (proxy error page, empty body): fall through to a generic error.
  }
  if (isErrorBody(body)) {
    return new ApiError(res.status, body.error.code, body.error.message, body.error.details);
  }
  return new ApiError(
    res.status,
    res.status >= 500 ? "server_error" : "http_error",
    res.statusText || "Request failed",
  );
}

async function send(method: string, url: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: options.accept ?? "application/json" };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  if (UNSAFE_METHODS.has(method)) headers["X-CSRF-Token"] = await csrfToken();
  return fetch(buildUrl(url, options.query), { method, headers, body, credentials: "same-origin" });
}

/** Sends a request and returns the successful response; every error becomes an ApiError (after global handling). */
async function exchange(method: string, url: string, options: RequestOptions): Promise<Response> {
  let res = await send(method, url, options);
  let error = res.ok ? null : await toApiError(res);

  // A stale or rotated CSRF cookie: fetch a fresh token once and retry.
  if (error?.code === "csrf_failed") {
    await fetchCsrfToken();
    res = await send(method, url, options);
    error = res.ok ? null : await toApiError(res);
  }

  if (error) {
    if (!options.skipAuthHandling && error.status === 401) {
      // account_locked: too many wrong passwords on a form that asks for it ended every session of the account.
      if (["session_expired", "unauthenticated", "account_locked"].includes(error.code)) {
        handlers?.onUnauthenticated(error.code);
      }
    }
    if (error.status === 403 && error.code === "password_change_required") handlers?.onPasswordChangeRequired();
    throw error;
  }
  return res;
}

export async function request<T>(method: string, url: string, options: RequestOptions = {}): Promise<T> {
  const res = await exchange(method, url, options);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("Content-Type") ?? "";
  if (!type.includes("application/json")) return (await res.text()) as T;
  return (await res.json()) as T;
}

export const http = {
  get: <T>(url: string, query?: Query, options: Omit<RequestOptions, "query"> = {}) =>
    request<T>("GET", url, { ...options, query }),
  post: <T>(url: string, body: unknown = {}, options: Omit<RequestOptions, "body"> = {}) =>
    request<T>("POST", url, { ...options, body }),
  patch: <T>(url: string, body: unknown, options: Omit<RequestOptions, "body"> = {}) =>
    request<T>("PATCH", url, { ...options, body }),
  delete: <T = void>(url: string, options: RequestOptions = {}) => request<T>("DELETE", url, options),
};

/** Bytes sent so far of an upload, and of the whole request. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

function sendForm(url: string, form: FormData, token: string, onProgress?: (p: UploadProgress) => void) {
  // XMLHttpRequest, not fetch: only it reports how much of the request body has been sent.
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", token);
    if (onProgress) xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.total });
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new TypeError("network error"));
    xhr.onabort = () => reject(new TypeError("upload aborted"));
    xhr.send(form);
  });
}

function errorOf(status: number, text: string): ApiError {
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: a generic error below.
  }
  if (isErrorBody(body)) return new ApiError(status, body.error.code, body.error.message, body.error.details);
  return new ApiError(status, status >= 500 ? "server_error" : "http_error", "Request failed");
}

/**
 * Posts files (multipart/form-data) and reports the bytes sent; CSRF, a stale
 * token and session expiry are handled as for every other request.
 */
export async function uploadForm<T>(url: string, form: FormData, onProgress?: (p: UploadProgress) => void): Promise<T> {
  let answer = await sendForm(url, form, await csrfToken(), onProgress);
  let error = answer.status < 300 ? null : errorOf(answer.status, answer.text);
  if (error?.code === "csrf_failed") {
    answer = await sendForm(url, form, await fetchCsrfToken(), onProgress);
    error = answer.status < 300 ? null : errorOf(answer.status, answer.text);
  }
  if (error) {
    if (error.status === 401 && ["session_expired", "unauthenticated", "account_locked"].includes(error.code)) {
      handlers?.onUnauthenticated(error.code);
    }
    if (error.status === 403 && error.code === "password_change_required") handlers?.onPasswordChangeRequired();
    throw error;
  }
  return (answer.text ? JSON.parse(answer.text) : undefined) as T;
}

export type StreamEvent = { type: string } & Record<string, unknown>;

function isStreamEvent(value: unknown): value is StreamEvent {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/**
 * For long jobs that report progress: reads an NDJSON answer line by line,
 * hands every event to `onEvent`, and resolves with the final `result` event's
 * `result`. An `error` event is thrown as an ApiError like any other failure.
 */
export async function requestStream<T>(
  method: string,
  url: string,
  body: unknown,
  onEvent: (event: StreamEvent) => void,
): Promise<T> {
  const res = await exchange(method, url, { body, accept: "application/x-ndjson" });
  if (!res.body) throw new ApiError(res.status, "http_error", "The response has no body");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffered += value;
    const lines = buffered.split("\n");
    buffered = done ? "" : (lines.pop() ?? "");
    for (const line of lines) {
      if (!line.trim()) continue;
      const event: unknown = JSON.parse(line);
      if (!isStreamEvent(event)) continue;
      if (event.type === "result") return event.result as T;
      if (event.type === "error" && isErrorBody(event)) {
        const status = typeof event.status === "number" ? event.status : 500;
        throw new ApiError(status, event.error.code, event.error.message, event.error.details);
      }
      onEvent(event);
    }
    if (done) throw new ApiError(0, "network_error", "The connection closed before the answer was complete");
  }
}
