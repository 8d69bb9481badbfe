import { availableParallelism } from "node:os";
import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite|mysql|mariadb):/, "must start with sqlite:, mysql: or mariadb:")
    .default("sqlite:./data/yong.sqlite"),
  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  COOKIE_SECURE: bool.default(false),
  /** Seed the demo organisation when the database has no units. */
  SEED_DEMO: bool.default(true),
  /** Seconds a request body may take to arrive and its maximum size. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/i, "must look like 1mb or 512kb")
    .default("10mb"),
  /** argon2id memory in KiB, with 2 passes; 19456 (19 MiB) is OWASP's recommendation. Tests lower it for speed. */
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(1024).max(1_048_576).default(19_456),
  /**
   * Password hashes in progress at once, process-wide; the rest wait. The default leaves a core for the
   * event loop and at least two of libuv's 4 threads for the database: min(2, cores − 1).
   */
  PASSWORD_HASH_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(() => Math.max(1, Math.min(2, availableParallelism() - 1))),
  /** Sign-in attempts allowed per client IP, and per username, in each LOGIN_LIMIT_WINDOW_SECONDS; then 429. */
  LOGIN_LIMIT_PER_IP: z.coerce.number().int().min(1).default(60),
  LOGIN_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  LOGIN_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Library patron sign-ups (POST /api/library/patrons) allowed per client IP in each window; then 429. */
  LIBRARY_SIGNUP_LIMIT_PER_IP: z.coerce.number().int().min(1).default(5),
  LIBRARY_SIGNUP_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  TRUST_PROXY: bool.default(false),
  SERVE_CLIENT: bool.default(true),
  /** The built SPA served when SERVE_CLIENT is true; unset: client/dist of this checkout. */
  CLIENT_DIST: z.string().min(1).optional(),
  /**
   * The secret the audit chain is signed with (HMAC). Unset: a random key in
   * DATA_DIR/audit.key, created on first start (mode 0600). Never in the database.
   */
  AUDIT_KEY: z.string().min(32, "must be at least 32 characters (e.g. openssl rand -hex 32)").optional(),
  /** Where signed checkpoints of the audit chain are appended; outside the database by design. */
  AUDIT_CHECKPOINT_DIR: z.string().min(1).optional(),
  /** How often a checkpoint is written while the log grows; events after the last one can go unnoticed. */
  AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Bearer token for GET /metrics on the main port; unset, /metrics is not served there. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /**
   * Full-text search on Elasticsearch 8 (http://host:9200); unset: the embedded index, a SQLite FTS5 file
   * under DATA_DIR/search. Either is rebuilt from the database by `npm run search:reindex`.
   */
  ELASTICSEARCH_URL: z.string().url().optional(),
  /** Serve /metrics on its own listener on 127.0.0.1:METRICS_PORT (0: any free port), without a token. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** How often each instance looks for due background jobs (server/jobs); it also looks at once after its own enqueues. */
  JOB_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  /** Limits of a folder uploaded for import by an archivist: the whole upload, one file, and the number of files. */
  ARCHIVE_UPLOAD_MAX_MB: z.coerce.number().int().min(1).default(2_048),
  ARCHIVE_UPLOAD_MAX_FILE_MB: z.coerce.number().int().min(1).default(200),
  ARCHIVE_UPLOAD_MAX_FILES: z.coerce.number().int().min(1).default(20_000),
  /** The mail domains (comma-separated) whose addresses this server receives mail for; mail administrators add more. */
  MAIL_DOMAINS: z
    .string()
    .default("nanning.gov.cn")
    .transform((v) =>
      v
        .split(",")
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(
      z.array(z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a domain name")),
    ),
  /** The MX (inbound SMTP) port; 25 in production, 2525 by default so that it runs without root. "off": no MX. */
  SMTP_PORT: z.union([z.literal("off"), z.coerce.number().int().min(0).max(65535)]).default(2525),
  /** The largest message accepted, in MB (announced as SIZE and enforced while the message streams). */
  MAIL_MAX_MESSAGE_MB: z.coerce.number().int().min(1).max(1024).default(50),
  /** A new mailbox's quota, in MB. */
  MAIL_DEFAULT_QUOTA_MB: z.coerce.number().int().min(1).default(2_048),
  /** The TLS key and certificate (PEM files) offered with STARTTLS; unset: a self-signed one made in DATA_DIR/mail-tls. */
  SMTP_TLS_KEY_FILE: z.string().min(1).optional(),
  SMTP_TLS_CERT_FILE: z.string().min(1).optional(),
  /** SMTP connections one IP address may hold open at once. */
  SMTP_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).default(20),
  /** Messages one IP address may start per minute on the MX (450 beyond), and one user on submission. */
  SMTP_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** Networks exempt from that limit (CIDR, comma-separated): loopback, and the government's own relays. */
  SMTP_TRUSTED_NETWORKS: z
    .string()
    .default("127.0.0.0/8,::1/128")
    .transform((v) =>
      v
        .split(",")
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[0-9a-f.:]+(\/\d{1,3})?$/i, "an address or network in CIDR form"))),
  /** Submission with STARTTLS and AUTH (587 in production; 2587 runs without root). "off": none. */
  SUBMISSION_PORT: z.union([z.literal("off"), z.coerce.number().int().min(0).max(65535)]).default(2587),
  /** Submission over implicit TLS (465 in production). "off": none. */
  SMTPS_PORT: z.union([z.literal("off"), z.coerce.number().int().min(0).max(65535)]).default(2465),
  /**
   * Send every remote message through this relay instead of to the recipients' MX hosts, as government
   * networks often require: smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps://… (TLS).
   */
  MAIL_SMARTHOST: z
    .string()
    .regex(/^smtps?:\/\/[^/\s]+$/, "smtp://[user:password@]host[:port] or smtps://…")
    .optional(),
  /**
   * Fixed routes for some domains, like Postfix's transport map: "example.org=10.0.0.5:25,other.org=mx.other.org".
   * Checked before the smarthost and DNS.
   */
  MAIL_ROUTES: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9.-]+=[^:=\s]+(:\d{1,5})?$/i, "domain=host[:port]"))),
  /** The address people open the application at (https://oa.nanning.gov.cn): links in e-mailed notifications. */
  PUBLIC_URL: z.string().url().optional(),
  /** How long remote delivery is retried before the sender gets a bounce (RFC 5321 4.5.4.1 suggests 4–5 days). */
  MAIL_RETRY_HOURS: z.coerce.number().min(0.01).default(120),
});

/** Variables whose values never appear in an error message or a log line. */
const SECRET_VARIABLES = new Set(["AUDIT_KEY", "METRICS_TOKEN", "MAIL_SMARTHOST"]);

export type Env = z.infer<typeof EnvSchema>;

/** Parses the given variables; throws one message naming every bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const result = EnvSchema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const shown = SECRET_VARIABLES.has(name) ? "(hidden)" : JSON.stringify(source[name] ?? "");
    return `  ${issue.path.join(".")}=${shown}: ${issue.message}`;
  });
  throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
