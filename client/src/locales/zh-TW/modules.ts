import type zhCN from "../zh-CN/modules";

const messages: typeof zhCN = {
  modules: {
    oa: { title: "公文", description: "公文起草、审批、签发、流转与归档。" },
    mail: { title: "邮箱", description: "单位内部电子邮件与通知。" },
    archive: { title: "档案", description: "文书档案的收集、整理、检索与利用。" },
    library: { title: "图书馆", description: "电子图书与资料的借阅与检索。" },
    comingSoon: "该模块将在后续版本中提供。",
  },
};

export default messages;
