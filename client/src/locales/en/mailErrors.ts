// The mail module's server error codes: loaded with the rest of the signed-in texts (not with the
// sign-in page's common.ts, whose script budget they would break), merged into `errors` by index.ts.
export default {
  // Mail administration (/api/mail/admin).
  mail_address_invalid: "{address} cannot be used as a mail address (lower-case letters, digits and . _ + - only)",
  mail_domain_not_local: "{domain} is not a mail domain of this server",
  mail_address_is_mailbox: "{address} is already the address of a mailbox",
  mail_address_is_alias: "{address} is already an alias",
  mail_address_is_list: "{address} is already the address of a mailing list",
  mail_address_is_user:
    "{address} is the personal address of the user with that username (even before their first mail)",
  mail_address_is_unit: "{address} is the unit mailbox address of the unit with that code (even before it is opened)",
  mail_address_unknown: "Nobody receives mail at {address}: it is neither an active person nor a unit",
  mail_domain_exists: "{domain} is already a mail domain",
  mail_domain_configured:
    "{domain} is set in the configuration (MAIL_DOMAINS) and comes back at every start; it cannot be removed here",
  mail_domain_in_use:
    "{domain} still has {mailboxes} mailboxes, {aliases} aliases and {lists} mailing lists; it cannot be removed",
  mail_mailbox_exists: "{address} is already open",
  mail_member_disabled: "{name}'s account is disabled and cannot share a unit mailbox",
  mail_member_exists: "{name} already shares this unit mailbox",
  mail_list_unit_required: "A list of a unit's leaders needs the unit",
  mail_list_not_static: "Only a list of named members can have members added",
  mail_list_member_exists: "{address} is already on the list",
  mail_folder_exists: "There is a folder named “{name}” already (in any case)",
  mail_folder_standard: "Inbox, Sent, Drafts, Trash and Junk are system folders: they cannot be renamed or deleted",
  // Writing mail in webmail (/api/mail: drafts and sending).
  mail_no_recipients: "Add at least one recipient",
  mail_upload_missing: "An attached file is no longer on the server: attach it again",
  mail_part_missing: "A forwarded file is no longer in the original message (it may have been deleted)",
  mail_reply_missing: "The message you are answering is no longer in this mailbox (it may have been deleted)",
  mailbox_full: "This mailbox is full: delete some mail and empty the Trash before sending or saving drafts",
  mail_too_large: "The message with its attachments is over the size limit: attach less",
  mail_recipient_unknown: "There is no mailbox {address}",
  mail_recipient_refused: "You may not write to the mailing list {address}",
  mail_recipient_full: "The mailbox {address} is full and cannot receive mail",
};
