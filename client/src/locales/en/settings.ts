import type zhCN from "../zh-CN/settings";

const messages: typeof zhCN = {
  settings: {
    system: {
      title: "System settings",
      description: "Basic configuration of the platform.",
      siteName: "Site name",
      siteNameHint: "Shown on the sign-in page, in the sidebar and in the browser tab title",
    },
    policy: {
      title: "Security policy",
      description: "Password, lockout and session timeout settings. Changes are recorded in the audit log.",
      password: "Passwords",
      lockout: "Sign-in lockout",
      session: "Sessions",
      minPasswordLength: "Minimum password length",
      lockoutThreshold: "Failed attempts before lockout",
      lockoutMinutes: "Lockout duration (minutes)",
      idleTimeoutMinutes: "Idle timeout (minutes)",
      sessionMaxHours: "Maximum session length (hours)",
    },
  },
};

export default messages;
