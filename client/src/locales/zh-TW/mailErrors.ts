// The mail module's server error codes: loaded with the rest of the signed-in texts (not with the
// sign-in page's common.ts, whose script budget they would break), merged into `errors` by index.ts.
export default {
  // Mail administration (/api/mail/admin).
  mail_address_invalid: "{address} 不能用作郵箱地址（地址只能含小寫字母、數字和 . _ + -）",
  mail_domain_not_local: "{domain} 不是本系統的郵件網域",
  mail_address_is_mailbox: "{address} 已是一個郵箱的地址",
  mail_address_is_alias: "{address} 已是一個別名",
  mail_address_is_list: "{address} 已是一個郵件清單的地址",
  mail_address_is_user: "{address} 是同名使用者的個人郵箱地址（即使尚未收過郵件）",
  mail_address_is_unit: "{address} 是代碼相同的單位的單位郵箱地址（即使尚未開通）",
  mail_address_unknown: "{address} 沒有對應的郵箱：既不是在職人員，也不是單位",
  mail_domain_exists: "{domain} 已是郵件網域",
  mail_domain_configured: "{domain} 寫在設定（MAIL_DOMAINS）中，每次啟動都會加回，不能在此刪除",
  mail_domain_in_use: "{domain} 上還有 {mailboxes} 個郵箱、{aliases} 個別名、{lists} 個郵件清單，不能刪除",
  mail_mailbox_exists: "{address} 已經開通",
  mail_member_disabled: "{name} 的帳號已停用，不能加入單位郵箱",
  mail_member_exists: "{name} 已是該單位郵箱的成員",
  mail_list_unit_required: "「單位領導」類型的郵件清單需要選擇單位",
  mail_list_not_static: "只有「指定成員」類型的郵件清單可以新增成員",
  mail_list_member_exists: "{address} 已在清單中",
  mail_folder_exists: "已有名為「{name}」的資料夾（不區分大小寫）",
  mail_folder_standard: "收件匣、寄件備份、草稿、垃圾桶和垃圾郵件是系統資料夾，不能改名或刪除",
  // Writing mail in webmail (/api/mail: drafts and sending).
  mail_no_recipients: "請至少填寫一個收件人",
  mail_upload_missing: "有個附件已不在伺服器上，請重新新增",
  mail_part_missing: "轉寄的附件已不在原郵件中（原郵件可能已被刪除）",
  mail_reply_missing: "回覆的原郵件已不在這個信箱中（可能已被刪除）",
  mailbox_full: "信箱已滿：請先刪除一些郵件並清空垃圾桶，再寄信或儲存草稿",
  mail_too_large: "郵件連同附件超出了大小上限，請減少附件",
  mail_recipient_unknown: "沒有 {address} 這個信箱",
  mail_recipient_refused: "您不能寄信給郵件清單 {address}",
  mail_recipient_full: "{address} 的信箱已滿，收不了信",
};
