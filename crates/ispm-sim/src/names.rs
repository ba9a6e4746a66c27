//! Word lists for identity and resource names.
//!
//! Names avoid the words that the decoder's default AI-agent patterns match
//! (`agent`, `llm`, `copilot`, `gpt`) except on AI agents, and every service
//! user name contains one of its service-account patterns (`svc`,
//! `integration`), so each simulated identity gets its intended kind.

/// Business domains; they stem workload, bucket, table and queue names.
pub(crate) const STEMS: [&str; 40] = [
    "orders",
    "payments",
    "billing",
    "inventory",
    "catalog",
    "search",
    "checkout",
    "shipping",
    "notifications",
    "profiles",
    "users",
    "reports",
    "analytics",
    "ledger",
    "pricing",
    "recommendations",
    "media",
    "ingest",
    "fraud",
    "audit",
    "invoices",
    "accounts",
    "loyalty",
    "support",
    "marketing",
    "partners",
    "warehouse",
    "returns",
    "reviews",
    "sessions",
    "cart",
    "coupons",
    "geo",
    "email",
    "sms",
    "exports",
    "imports",
    "metrics",
    "scoring",
    "tax",
];

pub(crate) const LAMBDA_SUFFIXES: [&str; 15] = [
    "handler",
    "processor",
    "worker",
    "consumer",
    "scheduler",
    "webhook",
    "resizer",
    "exporter",
    "sync",
    "cleanup",
    "enricher",
    "notifier",
    "validator",
    "aggregator",
    "router",
];

pub(crate) const EC2_TIERS: [&str; 10] = [
    "api", "worker", "batch", "web", "consumer", "cache", "kafka", "search", "grpc", "cron",
];

pub(crate) const SERVICE_JOBS: [&str; 8] = [
    "backup",
    "etl",
    "export",
    "sync",
    "reports",
    "archiver",
    "import",
    "reconcile",
];

/// Software-as-a-service vendors that are given IAM users with access keys.
pub(crate) const VENDORS: [&str; 10] = [
    "datadog",
    "snowflake",
    "fivetran",
    "sumologic",
    "newrelic",
    "pagerduty",
    "splunk",
    "tableau",
    "looker",
    "segment",
];

pub(crate) const AGENT_PURPOSES: [&str; 8] = [
    "support",
    "code-review",
    "sales",
    "triage",
    "onboarding",
    "billing-assistant",
    "docs-search",
    "incident",
];

pub(crate) const TEAMS: [&str; 10] = [
    "team-platform",
    "team-payments",
    "team-data",
    "team-identity",
    "team-search",
    "team-mobile",
    "team-growth",
    "team-sre",
    "team-security",
    "team-ml",
];

/// Account environments, in the order accounts are created.
pub(crate) const ENVIRONMENTS: [&str; 8] = [
    "prod",
    "staging",
    "dev",
    "data",
    "shared-services",
    "sandbox",
    "security",
    "logging",
];

pub(crate) const FIRST_NAMES: [&str; 40] = [
    "jane", "john", "maria", "david", "aisha", "wei", "priya", "lucas", "emma", "oliver", "sofia",
    "liam", "chloe", "noah", "fatima", "arjun", "hannah", "ben", "grace", "mateo", "yuki", "omar",
    "lena", "felix", "nina", "raj", "clara", "samuel", "ines", "jonas", "anna", "tom", "leila",
    "max", "ravi", "julia", "kofi", "mia", "paul", "sara",
];

pub(crate) const LAST_NAMES: [&str; 40] = [
    "doe", "smith", "garcia", "mueller", "patel", "chen", "kumar", "schmidt", "brown", "wilson",
    "singh", "jones", "fischer", "martin", "nguyen", "taylor", "weber", "sharma", "clarke",
    "wagner", "lopez", "evans", "becker", "reddy", "hughes", "koch", "iyer", "walker", "hoffmann",
    "rao", "green", "schulz", "gupta", "wright", "meyer", "das", "hall", "wolf", "nair", "king",
];

/// Domain of people's email addresses.
pub(crate) const EMAIL_DOMAIN: &str = "example.com";

/// Organisation prefix of account aliases and bucket names.
pub(crate) const ORGANISATION: &str = "acme";
