// The package version, sent in the User-Agent. Keep in step with pkg-template/package.json.
export const SDK_VERSION = "0.1.0";
