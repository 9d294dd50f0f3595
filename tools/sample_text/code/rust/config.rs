use std::path::{Path, PathBuf};
use std::{env, fs};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub log_level: String,
    pub max_upload_mb: u64,
    pub database: DatabaseConfig,
}

#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:3000".into(),
            data_dir: PathBuf::from("./data"),
            log_level: "info".into(),
            max_upload_mb: 25,
            database: DatabaseConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://app.db".into(), pool_size: 5, connect_timeout_secs: 10 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("invalid TOML in {path}: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("invalid value for {0}: {1}")]
    Invalid(&'static str, String),
}

impl Config {
    /// Loads configuration from `path` (if it exists) and applies `APP_*`
    /// environment overrides on top.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let mut cfg = if path.exists() {
            let text = fs::read_to_string(path)
                .map_err(|source| ConfigError::Io { path: path.to_owned(), source })?;
            toml::from_str(&text)
                .map_err(|source| ConfigError::Parse { path: path.to_owned(), source })?
        } else {
            Config::default()
        };

        if let Ok(v) = env::var("APP_LISTEN") {
            cfg.listen = v;
        }
        if let Ok(v) = env::var("APP_LOG_LEVEL") {
            cfg.log_level = v;
        }
        if let Ok(v) = env::var("DATABASE_URL") {
            cfg.database.url = v;
        }
        if let Ok(v) = env::var("APP_DB_POOL_SIZE") {
            cfg.database.pool_size =
                v.parse().map_err(|_| ConfigError::Invalid("APP_DB_POOL_SIZE", v))?;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !matches!(self.log_level.as_str(), "trace" | "debug" | "info" | "warn" | "error") {
            return Err(ConfigError::Invalid("log_level", self.log_level.clone()));
        }
        if self.database.pool_size == 0 {
            return Err(ConfigError::Invalid("database.pool_size", "0".into()));
        }
        Ok(())
    }
}
