"""The web core every server-rendered page shares: rendering, security headers, CSRF, cookies, i18n, assets."""
