import type zhCN from "../zh-CN/directory";

const messages: typeof zhCN = {
  directory: {
    title: "通訊錄",
    description: "依單位和部門查找同事，可用姓名、拼音或首字母搜尋。",
    search: "姓名、拼音或首字母，如 zhangwei 或 zw",
    tree: "單位與部門",
    all: "全部單位",
    unit: "單位",
    name: "姓名",
    position: "職務",
    phone: "電話",
    email: "電子郵件",
    empty: "沒有找到符合條件的人員",
    total: "共 {n} 人",
    pickUnit: "選擇單位或部門",
  },
};

export default messages;
