export default {
  settings: {
    system: {
      title: "系统设置",
      description: "平台的基础配置。",
      siteName: "站点名称",
      siteNameHint: "显示在登录页、侧边栏和浏览器标签页标题中",
    },
    policy: {
      title: "安全策略",
      description: "密码、登录锁定与会话超时等安全配置，修改会记入审计日志。",
      password: "密码策略",
      lockout: "登录锁定",
      session: "会话",
      minPasswordLength: "密码最小长度",
      lockoutThreshold: "连续失败锁定次数",
      lockoutMinutes: "锁定时长（分钟）",
      idleTimeoutMinutes: "空闲超时（分钟）",
      sessionMaxHours: "会话最长有效期（小时）",
    },
  },
};
