import type zhCN from "../zh-CN/modules";

const messages: typeof zhCN = {
  modules: {
    oa: { title: "公文", description: "公文起草、審批、簽發、流轉與歸檔。" },
    mail: { title: "郵箱", description: "單位內部電子郵件與通知。" },
    archive: { title: "檔案", description: "文書檔案的蒐集、整理、檢索與利用。" },
    library: { title: "圖書館", description: "電子圖書與資料的借閱與檢索。" },
    comingSoon: "此模組將於後續版本提供。",
  },
};

export default messages;
