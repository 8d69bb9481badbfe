import { createPublicKey, generateKeyPair } from "node:crypto";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { dkimSign } from "mailauth/lib/dkim/sign.js";
import { MailDomain } from "../models/index.js";

/**
 * DKIM keys, one per mail domain, made the first time the domain signs or its
 * DNS record is asked for, and kept in the database so that every instance
 * signs with the same key. The private key is a secret: it leaves this file
 * only to sign, never in an answer or a log line.
 */

const generate = promisify(generateKeyPair);

/** RSA 2048 (RFC 8301: at least 1024, 2048 recommended; DNS TXT strings fit it). */
async function newKey(): Promise<string> {
  const { privateKey } = await generate("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return privateKey;
}

/** The domain's selector and key, made now when it has none (two instances racing keep the first one written). */
async function keyOf(domain: MailDomain): Promise<{ selector: string; privateKey: string }> {
  if (domain.dkimSelector && domain.dkimPrivateKey)
    return { selector: domain.dkimSelector, privateKey: domain.dkimPrivateKey };
  const now = new Date();
  const selector = `yong${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
  await MailDomain.update(
    { dkimSelector: selector, dkimPrivateKey: await newKey() },
    { where: { id: domain.id, dkimPrivateKey: null } },
  );
  await domain.reload({ attributes: ["id", "name", "dkimSelector", "dkimPrivateKey"] });
  return { selector: domain.dkimSelector!, privateKey: domain.dkimPrivateKey! };
}

/** The TXT record to publish for a domain: name and value (v=DKIM1; k=rsa; p=<public key>). */
export async function dkimDnsRecord(domain: MailDomain): Promise<{ name: string; value: string }> {
  const { selector, privateKey } = await keyOf(domain);
  const der = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  return { name: `${selector}._domainkey.${domain.name}`, value: `v=DKIM1; k=rsa; p=${der.toString("base64")}` };
}

/**
 * The DKIM-Signature header line(s) (ending in CRLF) for a message sent from
 * `domainName`, to put on top of it; "" when the domain is not one of ours.
 */
export async function dkimSignature(domainName: string, message: Readable): Promise<string> {
  const domain = await MailDomain.findOne({ where: { name: domainName.toLowerCase() } });
  if (!domain) {
    message.resume();
    return "";
  }
  const { selector, privateKey } = await keyOf(domain);
  const signed = await dkimSign(message, {
    canonicalization: "relaxed/relaxed",
    // One time for the header that is signed and the header that is written (see mailauth.d.ts).
    signTime: new Date(),
    signatureData: [{ signingDomain: domain.name, selector, privateKey, algorithm: "rsa-sha256" }],
  });
  if (signed.errors.length) throw new Error(`DKIM signing failed for ${domain.name}`);
  return signed.signatures;
}
