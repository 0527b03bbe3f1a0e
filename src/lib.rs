//! alter-edge: the Alter Vault client on WebAssembly (being written; see issue 4).
