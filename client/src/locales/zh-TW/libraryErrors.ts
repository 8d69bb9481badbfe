// The library's server error codes, merged into `errors` by index.ts (kept out of common.ts, which the sign-in page loads).
export default {
  library_open_access: "這本書是開放取用的，無需借閱，可直接閱讀或下載",
  library_already_borrowed: "您已借閱這本書",
  library_loan_limit: "您最多可同時借閱 {max} 本書，請先歸還一些",
  library_no_copy_available: "這本書的副本已全部借出，可以預約排隊",
  library_no_rule: "沒有適用於您的讀者類型和這本書的借閱規則，請聯絡圖書管理員",
  library_loan_not_active: "這次借閱已經結束",
  library_hold_waiting: "有讀者正在排隊等候這本書，不能續借",
  library_renewal_limit: "每次借閱最多可續借 {max} 次",
  library_already_on_hold: "您已在這本書的預約佇列中",
  library_hold_limit: "您最多可同時預約 {max} 本書",
  library_copy_available: "這本書現在有可借的副本，請直接借閱",
  library_hold_not_active: "這個預約已經結束",
  library_loan_required: "需要借閱這本書才能閱讀；借閱到期或歸還後就不能再打開了",
  library_download_open_only: "只有開放取用的圖書可以下載",
  library_bookmark_limit: "每本書最多可保存 {max} 個書籤",
};
