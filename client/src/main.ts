import { ElMessage } from "element-plus";
// Components bring their own CSS (see vite.config.ts); ElMessage is called from code all over the app.
import "element-plus/es/components/message/style/css";
import { createPinia } from "pinia";
import { createApp } from "vue";
import { setAuthHandlers } from "@/api/request";
import { i18n, loadLocaleMessages, t } from "@/locales";
import { router } from "@/router";
import { useAuthStore } from "@/stores/auth";
import App from "./App.vue";
import "./styles/index.css";

// Signed-in pages need every text of the language; the sign-in pages only the built-in ones.
// Registered before the router starts, after its own guards (which may send to the sign-in page).
router.beforeEach(async (to) => {
  if (!to.meta.public || to.meta.messages) await loadLocaleMessages(i18n.global.locale.value);
});

const app = createApp(App);
const pinia = createPinia();
app.use(pinia).use(i18n).use(router);

setAuthHandlers({
  onUnauthenticated(code) {
    const auth = useAuthStore(pinia);
    const wasSignedIn = auth.signedIn;
    auth.clear();
    const current = router.currentRoute.value;
    if (current.name === "login") return;
    // Tell only people who were working; a first visit just lands on the login page.
    const reason = code === "account_locked" ? "errors.account_locked" : "errors.session_expired";
    if (wasSignedIn) ElMessage.warning({ message: t(reason), grouping: true });
    const redirect = current.fullPath === "/" ? undefined : current.fullPath;
    void router.replace({ name: "login", query: redirect ? { redirect } : {} });
  },
  onPasswordChangeRequired() {
    if (router.currentRoute.value.name === "change-password") return;
    void router.replace({ name: "change-password" });
  },
});

// A returning visitor who chose another language sees it from the first paint
// (should it fail to load, vue-i18n falls back to Simplified Chinese).
if (i18n.global.locale.value !== "zh-CN") await loadLocaleMessages(i18n.global.locale.value).catch(() => undefined);
app.mount("#app");
