// A private Postfix (Debian's package) on loopback, for the tests and the SMTP bench:
// its own config, queue and data directories under a temporary directory, started
// with `postfix -c <dir> start`, listening on 127.0.0.1:<free port> only. The
// machine's own /etc/postfix is read for nothing but the package's file list
// (meta_directory) and is never changed or started.
//
// It can deliver mail for some domains itself, each local part to a Maildir of its
// own (a real MTA's store, to read what our outbound mail looked like on arrival),
// and relay mail for other domains to a given SMTP server (our MX), as a sending
// organisation's Postfix would.
import { execFile } from "node:child_process";
import { once } from "node:events";
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where Debian's package puts the commands (root's PATH has /usr/sbin, a developer's may not). */
const SBIN = "/usr/sbin";
const POSTFIX = join(SBIN, "postfix");
/** The user the virtual delivery agent writes the Maildirs as (Postfix refuses root; nobody owns nothing else). */
const MAILDIR_UID = 65534;
const MAILDIR_GID = 65534;

export interface SmtpRoute {
  host: string;
  port: number;
}

export interface PostfixOptions {
  /** Its name in the greeting, in HELO and in its Received lines; "postfix.test" by default. */
  hostname?: string;
  /**
   * Addresses Postfix delivers itself, each to its own Maildir; their domains are its virtual mailbox domains,
   * where any other address is refused (550 5.1.1), as with a real user list.
   */
  mailboxes?: readonly string[];
  /** Domains Postfix relays to the given server instead of looking up their MX (transport_maps). */
  relays?: Readonly<Record<string, SmtpRoute>>;
  /** More main.cf parameters (they win over the helper's). */
  settings?: Readonly<Record<string, string>>;
}

export interface MaildirMessage {
  /** The file's name in the Maildir (unique per message). */
  name: string;
  raw: Buffer;
}

export interface PostfixInstance {
  /** The instance's directory: config/, queue/, data/, mail/ and the log. */
  readonly dir: string;
  readonly host: string;
  /** The port its smtpd listens on. */
  readonly port: number;
  readonly hostname: string;
  /** The Maildir of one of the mailboxes. */
  maildirOf(address: string): string;
  /** The messages in an address's Maildir (new/ and cur/), oldest first; [] before the first delivery. */
  readMaildir(address: string): Promise<MaildirMessage[]>;
  /** How many messages are in an address's Maildir (only names are read). */
  countMaildir(address: string): Promise<number>;
  /** Waits until an address's Maildir holds at least `count` messages; on a timeout the error carries the log. */
  waitForMaildir(address: string, count: number, timeoutMs?: number): Promise<MaildirMessage[]>;
  /** Waits until a line of the log matches (e.g. a relay's "status=sent"); resolves with the line. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Postfix's own log (maillog_file) as written so far. */
  log(): Promise<string>;
  /** The master process's id (its daemons are its children). */
  masterPid(): Promise<number | null>;
  /** `postfix stop`, waits for the master to exit, and removes the directory. */
  stop(): Promise<void>;
}

/**
 * Why a private Postfix cannot run here, or null when it can: the package is
 * installed (its postfix user and postdrop group are made by it) and we are
 * root (the master binds and drops privileges to the postfix user).
 */
export function postfixMissing(): string | null {
  try {
    accessSync(POSTFIX, constants.X_OK);
  } catch {
    return `${POSTFIX} is missing (apt-get install postfix; .ci/run installs it)`;
  }
  if (process.getuid?.() !== 0) return "Postfix's master runs as root, and these tests do not";
  return null;
}

/** Why a command of a Debian package cannot run here (missing), or null. */
export function commandMissing(command: string, packageName = command): string | null {
  for (const dir of (process.env.PATH ?? "").split(":").concat(SBIN, "/usr/bin")) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return null;
    } catch {
      // not in this one
    }
  }
  return `${command} is missing (apt-get install ${packageName}; .ci/run installs it)`;
}

/** True under CI (CI=true): a missing tool fails the test there instead of skipping it. */
export const inCi = Boolean(process.env.CI) && process.env.CI !== "false" && process.env.CI !== "0";

/** A TCP port nobody listens on at the moment (on 127.0.0.1). */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const address = probe.address();
  probe.close();
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/**
 * master.cf with the services a mail server uses, none chrooted (Debian's own
 * master.cf chroots them into /var/spool/postfix, which this instance does not
 * use), and smtpd on the given loopback port only.
 */
function masterCf(port: number): string {
  const services = [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    "pickup unix n - n 60 1 pickup",
    "cleanup unix n - n - 0 cleanup",
    "qmgr unix n - n 300 1 qmgr",
    "tlsmgr unix - - n 1000? 1 tlsmgr",
    "rewrite unix - - n - - trivial-rewrite",
    "bounce unix - - n - 0 bounce",
    "defer unix - - n - 0 bounce",
    "trace unix - - n - 0 bounce",
    "verify unix - - n - 1 verify",
    "flush unix n - n 1000? 0 flush",
    "proxymap unix - - n - - proxymap",
    "proxywrite unix - - n - 1 proxymap",
    "smtp unix - - n - - smtp",
    "relay unix - - n - - smtp",
    "showq unix n - n - - showq",
    "error unix - - n - - error",
    "retry unix - - n - - error",
    "discard unix - - n - - discard",
    "local unix - n n - - local",
    "virtual unix - n n - - virtual",
    "lmtp unix - - n - - lmtp",
    "anvil unix - - n - 1 anvil",
    "scache unix - - n - 1 scache",
    "postlog unix-dgram n - n - 1 postlogd",
  ];
  return services.join("\n") + "\n";
}

/** Starts a private Postfix; resolves once its smtpd greets on the port. */
export async function startPostfix(options: PostfixOptions = {}): Promise<PostfixInstance> {
  const missing = postfixMissing();
  if (missing) throw new Error(missing);
  const hostname = options.hostname ?? "postfix.test";
  const mailboxes = (options.mailboxes ?? []).map((address) => address.toLowerCase());
  for (const address of mailboxes) {
    if (!/^[a-z0-9][a-z0-9._+-]*@[a-z0-9.-]+$/.test(address)) throw new Error(`not a mailbox address: ${address}`);
  }
  const maildirDomains = [...new Set(mailboxes.map((address) => address.split("@")[1]!))];
  const relays = Object.entries(options.relays ?? {}).map(([domain, route]) => [domain.toLowerCase(), route] as const);
  const dir = mkdtempSync(join(tmpdir(), "yong-postfix-"));
  // The postfix user and the Maildir's owner must reach their directories below it.
  chmodSync(dir, 0o755);
  const config = join(dir, "config");
  const mail = join(dir, "mail");
  mkdirSync(config);
  // The queue's subdirectories (and data/) are made by `postfix start` (post-install create-missing).
  mkdirSync(join(dir, "queue"));
  mkdirSync(mail);
  chownSync(mail, MAILDIR_UID, MAILDIR_GID);
  const logFile = join(dir, "maillog");
  const port = await freePort();

  const settings: Record<string, string> = {
    compatibility_level: "3.6",
    queue_directory: join(dir, "queue"),
    data_directory: join(dir, "data"),
    mail_owner: "postfix",
    setgid_group: "postdrop",
    myhostname: hostname,
    mydomain: hostname,
    myorigin: "$myhostname",
    // Nothing is delivered to local (Unix) accounts: no /etc/aliases, no home directories.
    mydestination: "",
    local_recipient_maps: "",
    alias_maps: "",
    alias_database: "",
    inet_interfaces: "127.0.0.1",
    inet_protocols: "ipv4",
    mynetworks: "127.0.0.0/8",
    // Its own log file, through postlogd: no syslog needed, and the tests can read it.
    maillog_file: logFile,
    maillog_file_prefixes: dir,
    biff: "no",
    // As a real sender does: STARTTLS when the receiving server offers it (our MX does, self-signed).
    smtp_tls_security_level: "may",
    smtp_tls_loglevel: "1",
    relay_domains: relays.map(([domain]) => domain).join(", "),
    transport_maps: relays.length ? `texthash:${join(config, "transport")}` : "",
    virtual_mailbox_domains: maildirDomains.join(", "),
    virtual_mailbox_base: mail,
    virtual_mailbox_maps: mailboxes.length ? `texthash:${join(config, "vmailbox")}` : "",
    virtual_uid_maps: `static:${MAILDIR_UID}`,
    virtual_gid_maps: `static:${MAILDIR_GID}`,
    ...options.settings,
  };
  const mainCf = Object.entries(settings)
    .map(([name, value]) => `${name} = ${value}`)
    .join("\n");
  await writeFile(join(config, "main.cf"), mainCf + "\n");
  await writeFile(join(config, "master.cf"), masterCf(port));
  await writeFile(
    join(config, "transport"),
    relays.map(([domain, route]) => `${domain} smtp:[${route.host}]:${route.port}\n`).join(""),
  );
  // Each address to <domain>/<local part>/ under virtual_mailbox_base (the final slash makes it a Maildir).
  const relative = (address: string) => {
    const [local, domain] = address.split("@");
    return `${domain}/${local}/`;
  };
  await writeFile(join(config, "vmailbox"), mailboxes.map((a) => `${a} ${relative(a)}\n`).join(""));

  const maildirOf = (address: string) => {
    const wanted = address.toLowerCase();
    if (!mailboxes.includes(wanted)) throw new Error(`${address} is not one of this Postfix's mailboxes`);
    return join(mail, relative(wanted));
  };
  const names = async (address: string) => {
    const found: string[] = [];
    for (const sub of ["new", "cur"]) {
      const where = join(maildirOf(address), sub);
      if (!existsSync(where)) continue;
      for (const name of await readdir(where)) found.push(join(sub, name));
    }
    // Maildir names start with the delivery time in seconds, then a sequence: sorting by them keeps the order.
    return found.sort((a, b) => a.slice(4).localeCompare(b.slice(4), "en", { numeric: true }));
  };
  const readMaildir = async (address: string) =>
    Promise.all(
      (await names(address)).map(async (name) => ({
        name: name.slice(4),
        raw: await readFile(join(maildirOf(address), name)),
      })),
    );
  const log = async () => (existsSync(logFile) ? readFile(logFile, "utf8") : "");
  const poll = async <T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await attempt();
      if (result !== undefined) return result;
      if (Date.now() > deadline) throw new Error(`Postfix: ${what} within ${timeoutMs} ms; its log:\n${await log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const postfix = (command: string) => run(POSTFIX, ["-c", config, command], { env: { ...process.env, LANG: "C" } });
  const masterPid = async () => {
    try {
      return Number((await readFile(join(dir, "queue", "pid", "master.pid"), "utf8")).trim()) || null;
    } catch {
      return null;
    }
  };

  try {
    await postfix("start");
    await poll(`no greeting on 127.0.0.1:${port}`, 30_000, async () => ((await greets(port)) ? true : undefined));
  } catch (error) {
    const pid = await masterPid();
    if (pid) process.kill(pid, "SIGTERM");
    const text = await log();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Postfix did not start: ${String(error)}\n${text}`, { cause: error });
  }

  return {
    dir,
    host: "127.0.0.1",
    port,
    hostname,
    maildirOf,
    readMaildir,
    countMaildir: async (address) => (await names(address)).length,
    waitForMaildir: (address, count, timeoutMs = 30_000) =>
      poll(`fewer than ${count} messages for ${address}`, timeoutMs, async () =>
        (await names(address)).length >= count ? readMaildir(address) : undefined,
      ),
    waitForLog: (pattern, timeoutMs = 30_000) =>
      poll(`no log line matching ${pattern}`, timeoutMs, async () =>
        (await log()).split("\n").find((line) => pattern.test(line)),
      ),
    log,
    masterPid,
    stop: async () => {
      const pid = await masterPid();
      await postfix("stop").catch(() => undefined);
      // `postfix stop` only signals the master; the directory goes once it and its children are gone.
      if (pid) await poll("the master did not exit", 20_000, async () => (alive(pid) ? undefined : true));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether an SMTP server greets (220) on 127.0.0.1:port (it is then sent QUIT). */
export function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (greeted: boolean) => {
      clearTimeout(timer);
      if (greeted) socket.end("QUIT\r\n");
      else socket.destroy();
      resolve(greeted);
    };
    const timer = setTimeout(() => done(false), 2_000);
    socket.once("data", (chunk: Buffer) => done(chunk.toString("latin1").startsWith("220")));
    socket.once("error", () => done(false));
  });
}
