// Mirrors app/src/routes.rs: paths and data-testid values, defined once there.
export const routes = {
  home: '/',
  login: '/login',
  opsHome: '/ops',
  opsLogin: '/ops/login',
  changePassword: '/change-password',
} as const;

export const testid = {
  loginForm: 'login-form',
  loginError: 'login-error',
  passwordToggle: 'password-toggle',
  whoami: 'whoami',
  orgName: 'org-name',
  logout: 'logout',
  changePasswordForm: 'change-password-form',
  formError: 'form-error',
  forcedChangeNotice: 'forced-change-notice',
  langSwitch: 'lang-switch',
  opsHome: 'ops-home',
} as const;
