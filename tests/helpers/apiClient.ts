/** A tiny browser stand-in: keeps cookies, sends the CSRF header like the SPA does. */
export class ApiClient {
  private cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  async request(
    method: string,
    path: string,
    options: {
      body?: unknown;
      rawBody?: string;
      /** A multipart/form-data body; fetch writes its Content-Type with the boundary. */
      form?: FormData;
      csrf?: boolean;
      headers?: Record<string, string>;
    } = {},
  ): Promise<{ status: number; body: any; text: string; headers: Headers }> {
    if (options.csrf !== false && method !== "GET" && !this.cookies.has("yo_csrf")) {
      await this.request("GET", "/api/auth/csrf");
    }
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (options.csrf !== false && method !== "GET") headers["x-csrf-token"] = this.cookies.get("yo_csrf") ?? "";
    let payload: string | FormData | undefined;
    if (options.form !== undefined) payload = options.form;
    else if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (typeof payload === "string") headers["content-type"] ??= "application/json";
    const res = await fetch(this.baseUrl + path, { method, headers, body: payload, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text, headers: res.headers };
  }

  get(path: string) {
    return this.request("GET", path);
  }
  post(path: string, body?: unknown) {
    return this.request("POST", path, { body: body ?? {} });
  }
  upload(path: string, form: FormData) {
    return this.request("POST", path, { form });
  }
  patch(path: string, body: unknown) {
    return this.request("PATCH", path, { body });
  }
  delete(path: string) {
    return this.request("DELETE", path);
  }
}
