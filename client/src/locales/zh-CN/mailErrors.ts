// The mail module's server error codes: loaded with the rest of the signed-in texts (not with the
// sign-in page's common.ts, whose script budget they would break), merged into `errors` by index.ts.
export default {
  // Mail administration (/api/mail/admin).
  mail_address_invalid: "{address} 不能用作邮箱地址（地址只能含小写字母、数字和 . _ + -）",
  mail_domain_not_local: "{domain} 不是本系统的邮件域名",
  mail_address_is_mailbox: "{address} 已是一个邮箱的地址",
  mail_address_is_alias: "{address} 已是一个别名",
  mail_address_is_list: "{address} 已是一个邮件列表的地址",
  mail_address_is_user: "{address} 是同名用户的个人邮箱地址（即使尚未收过邮件）",
  mail_address_is_unit: "{address} 是代码相同的单位的单位邮箱地址（即使尚未开通）",
  mail_address_unknown: "{address} 没有对应的邮箱：既不是在职人员，也不是单位",
  mail_domain_exists: "{domain} 已是邮件域名",
  mail_domain_configured: "{domain} 写在配置（MAIL_DOMAINS）中，每次启动都会加回，不能在此删除",
  mail_domain_in_use: "{domain} 上还有 {mailboxes} 个邮箱、{aliases} 个别名、{lists} 个邮件列表，不能删除",
  mail_mailbox_exists: "{address} 已经开通",
  mail_member_disabled: "{name} 的账号已停用，不能加入单位邮箱",
  mail_member_exists: "{name} 已是该单位邮箱的成员",
  mail_list_unit_required: "“单位领导”类型的邮件列表需要选择单位",
  mail_list_not_static: "只有“指定成员”类型的邮件列表可以添加成员",
  mail_list_member_exists: "{address} 已在列表中",
  mail_folder_exists: "已有名为“{name}”的文件夹（不区分大小写）",
  mail_folder_standard: "收件箱、已发送、草稿箱、已删除和垃圾邮件是系统文件夹，不能改名或删除",
  // Writing mail in webmail (/api/mail: drafts and sending).
  mail_no_recipients: "请至少填写一个收件人",
  mail_upload_missing: "有个附件已不在服务器上，请重新添加",
  mail_part_missing: "转发的附件已不在原邮件中（原邮件可能已被删除）",
  mail_reply_missing: "回复的原邮件已不在这个邮箱中（可能已被删除）",
  mailbox_full: "邮箱已满：请先删除一些邮件并清空“已删除”，再发信或保存草稿",
  mail_too_large: "邮件连同附件超出了大小上限，请减少附件",
  mail_recipient_unknown: "没有 {address} 这个邮箱",
  mail_recipient_refused: "您不能给邮件列表 {address} 发信",
  mail_recipient_full: "{address} 的邮箱已满，收不了信",
};
