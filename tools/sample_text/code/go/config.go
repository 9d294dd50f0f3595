// Package config loads service configuration from a YAML file with
// environment variable overrides.
package config

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

type Config struct {
	Server struct {
		Addr         string        `yaml:"addr"`
		ReadTimeout  time.Duration `yaml:"read_timeout"`
		WriteTimeout time.Duration `yaml:"write_timeout"`
	} `yaml:"server"`
	Database struct {
		DSN          string `yaml:"dsn"`
		MaxOpenConns int    `yaml:"max_open_conns"`
	} `yaml:"database"`
	LogLevel string `yaml:"log_level"`
}

func defaults() *Config {
	c := &Config{LogLevel: "info"}
	c.Server.Addr = ":8080"
	c.Server.ReadTimeout = 5 * time.Second
	c.Server.WriteTimeout = 10 * time.Second
	c.Database.MaxOpenConns = 10
	return c
}

// Load reads path (if non-empty), then applies environment overrides.
func Load(path string) (*Config, error) {
	cfg := defaults()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		if err := yaml.Unmarshal(data, cfg); err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
	}
	if err := applyEnv(cfg); err != nil {
		return nil, err
	}
	return cfg, cfg.Validate()
}

func applyEnv(c *Config) error {
	if v, ok := os.LookupEnv("APP_ADDR"); ok {
		c.Server.Addr = v
	}
	if v, ok := os.LookupEnv("DATABASE_URL"); ok {
		c.Database.DSN = v
	}
	if v, ok := os.LookupEnv("APP_LOG_LEVEL"); ok {
		c.LogLevel = v
	}
	if v, ok := os.LookupEnv("APP_DB_MAX_OPEN_CONNS"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("APP_DB_MAX_OPEN_CONNS: %w", err)
		}
		c.Database.MaxOpenConns = n
	}
	return nil
}

// Validate reports the first invalid setting.
func (c *Config) Validate() error {
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("invalid log_level %q", c.LogLevel)
	}
	if c.Database.DSN == "" {
		return fmt.Errorf("database.dsn is required (or set DATABASE_URL)")
	}
	if c.Database.MaxOpenConns < 1 {
		return fmt.Errorf("database.max_open_conns must be positive")
	}
	return nil
}
