// The library's server error codes, merged into `errors` by index.ts (kept out of common.ts, which the sign-in page loads).
export default {
  library_open_access: "这本书是开放获取的，无需借阅，可直接阅读或下载",
  library_already_borrowed: "您已借阅这本书",
  library_loan_limit: "您最多可同时借阅 {max} 本书，请先归还一些",
  library_no_copy_available: "这本书的副本已全部借出，可以预约排队",
  library_no_rule: "没有适用于您的读者类型和这本书的借阅规则，请联系图书管理员",
  library_loan_not_active: "这次借阅已经结束",
  library_hold_waiting: "有读者正在排队等候这本书，不能续借",
  library_renewal_limit: "每次借阅最多可续借 {max} 次",
  library_already_on_hold: "您已在这本书的预约队列中",
  library_hold_limit: "您最多可同时预约 {max} 本书",
  library_copy_available: "这本书现在有可借的副本，请直接借阅",
  library_hold_not_active: "这个预约已经结束",
  library_loan_required: "需要借阅这本书才能阅读；借阅到期或归还后就不能再打开了",
  library_download_open_only: "只有开放获取的图书可以下载",
  library_bookmark_limit: "每本书最多可保存 {max} 个书签",
};
