import { mkdir, readFile } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import selfsigned from "selfsigned";
import { writeFileAtomically } from "../../core/atomicFile.js";

export interface MailTls {
  key: string;
  cert: string;
  /** Where it came from: the configured files, or the certificate made on first start. */
  source: "configured" | "self-signed";
}

/**
 * The key and certificate the SMTP servers offer STARTTLS with: the files
 * SMTP_TLS_KEY_FILE and SMTP_TLS_CERT_FILE name, else a self-signed
 * certificate for the mail host made on first start and kept in
 * DATA_DIR/mail-tls (the key readable by the server's user only), so every
 * start and every instance sharing DATA_DIR offers the same one. Never the
 * test key smtp-server ships, which anyone can read.
 */
export async function loadMailTls(config: {
  DATA_DIR: string;
  SMTP_TLS_KEY_FILE?: string;
  SMTP_TLS_CERT_FILE?: string;
  hostname: string;
}): Promise<MailTls> {
  if (config.SMTP_TLS_KEY_FILE && config.SMTP_TLS_CERT_FILE) {
    const [key, cert] = await Promise.all([
      readFile(config.SMTP_TLS_KEY_FILE, "utf8"),
      readFile(config.SMTP_TLS_CERT_FILE, "utf8"),
    ]);
    new X509Certificate(cert); // a file that is not a certificate fails here, at start, with its reason
    return { key, cert, source: "configured" };
  }
  const dir = join(config.DATA_DIR, "mail-tls");
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  try {
    const [key, cert] = await Promise.all([readFile(keyFile, "utf8"), readFile(certFile, "utf8")]);
    return { key, cert, source: "self-signed" };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const now = new Date();
  const pems = await selfsigned.generate([{ name: "commonName", value: config.hostname }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + 10 * 365 * 24 * 3600_000),
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: config.hostname }] }],
  });
  // Written whole and renamed, the certificate last: a crash leaves either nothing usable or both files.
  await writeFileAtomically(keyFile, pems.private, { mode: 0o600 });
  await writeFileAtomically(certFile, pems.cert, { mode: 0o644 });
  return { key: pems.private, cert: pems.cert, source: "self-signed" };
}
