// Fixed values of dev-vault/demo.toml (documented in dev-vault/README.md).
export const KEYS = {
  full: "alter_rk_demoappallscopesaaaaaa_hoz64e",
  noAudit: "alter_rk_demoappnoauditaaaaaaaa_ko4lpc",
  revoked: "alter_rk_demoapprevokedaaaaaaaa_4w3vqo",
  expired: "alter_rk_demoappexpiredaaaaaaaa_nwmfue",
  legacy: "alter_key_legacyDemoAppKey_00000000000000000000001",
  emailAssistant: "alter_ak_emailassistantaaaaaaaa_ofxaxb",
  researchAgent: "alter_ak_researchagentaaaaaaaaa_2y5km7",
};
export const AGENTS = {
  emailAssistant: "a9e00000-0000-4000-8000-000000000001",
  researchAgent: "a9e00000-0000-4000-8000-000000000002",
};
export const GRANTS = {
  aliceGoogle: "6a000000-0000-4000-8000-000000000001",
  bobGoogle: "6a000000-0000-4000-8000-000000000002",
  carolWork: "6a000000-0000-4000-8000-000000000003",
  carolHome: "6a000000-0000-4000-8000-000000000004",
  aliceGithub: "6a000000-0000-4000-8000-000000000005",
  systemGoogle: "6a000000-0000-4000-8000-000000000006",
  stripe: "6a000000-0000-4000-8000-000000000010",
  resend: "6a000000-0000-4000-8000-000000000011",
  weather: "6a000000-0000-4000-8000-000000000012",
  revoked: "6a000000-0000-4000-8000-000000000020",
  expired: "6a000000-0000-4000-8000-000000000021",
  deleted: "6a000000-0000-4000-8000-000000000022",
  refreshInProgress: "6a000000-0000-4000-8000-000000000023",
  scopeMismatchFlagged: "6a000000-0000-4000-8000-000000000024",
  scopeMismatchAdvisory: "6a000000-0000-4000-8000-000000000025",
  proxyOnly: "6a000000-0000-4000-8000-000000000026",
  denied: "6a000000-0000-4000-8000-000000000030",
};
/** user-001 .. user-050 and their google grants. */
export const generatedUser = (n) => `user-${String(n).padStart(3, "0")}`;
export const generatedGoogleGrant = (n) => `6a000000-0000-4000-8000-100000000${String(n).padStart(3, "0")}`;
