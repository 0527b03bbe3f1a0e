// The package version, sent in the User-Agent. scripts/build.sh writes the built copy from
// Cargo.toml (the one source of the version); this one serves the sources run unbuilt in tests.
export const SDK_VERSION = "0.1.0";
