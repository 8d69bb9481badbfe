import { defineStore } from "pinia";
import { computed, ref } from "vue";
import * as authApi from "@/api/auth/auth";
import type { LoginBody, Me } from "@/api/auth/auth";
import { ApiError } from "@/api/request";

export type PermissionRequirement = string | readonly string[];

export const useAuthStore = defineStore("auth", () => {
  const me = ref<Me | null>(null);
  /** True once we asked the server who we are (whatever the answer). */
  const loaded = ref(false);

  const user = computed(() => me.value?.user ?? null);
  const permissions = computed(() => new Set(me.value?.permissions ?? []));
  const signedIn = computed(() => me.value !== null);
  const mustChangePassword = computed(() => me.value?.mustChangePassword ?? false);

  /** True when the user holds the permission, or any one of a list of them. */
  function can(required: PermissionRequirement): boolean {
    const codes = typeof required === "string" ? [required] : required;
    return codes.some((code) => permissions.value.has(code));
  }

  async function load(): Promise<Me | null> {
    try {
      me.value = await authApi.getMe();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      me.value = null;
    } finally {
      loaded.value = true;
    }
    return me.value;
  }

  async function login(body: LoginBody): Promise<Me> {
    const result = await authApi.login(body);
    me.value = result;
    loaded.value = true;
    return result;
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout();
    } finally {
      clear();
    }
  }

  function clear(): void {
    me.value = null;
    loaded.value = true;
  }

  function passwordChanged(): void {
    if (me.value)
      me.value = { ...me.value, mustChangePassword: false, user: { ...me.value.user, mustChangePassword: false } };
  }

  return {
    me,
    loaded,
    user,
    permissions,
    signedIn,
    mustChangePassword,
    can,
    load,
    login,
    logout,
    clear,
    passwordChanged,
  };
});
