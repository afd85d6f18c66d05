/**
 * Configuration loading: Prometheus' YAML format (global, scrape_configs, relabel_configs,
 * rule_files, alerting, remote_write, remote_read, storage) plus Outpost's registered sections.
 */
export { loadConfigFile, parseConfig, type Config, type ParseOptions } from './config.ts';
export { ConfigError, YamlValue, Fields, type ParseContext } from './yaml-value.ts';
export { registerSection, registeredSections, type SectionParser, type SectionTypes } from './sections.ts';
export { parseHub, parseEdges, type HubConfig, type EdgesConfig, type EdgeToken } from './outpost.ts';
export { parseDuration, formatDuration, parseSize, formatSize, DurationError, SizeError } from './units.ts';
export type { GlobalConfig, ScrapeProtocol, EscapingScheme } from './global.ts';
export { SCRAPE_PROTOCOL_HEADERS, DEFAULT_SCRAPE_PROTOCOLS, DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS, expandEnv } from './global.ts';
export type { ScrapeConfig } from './scrape.ts';
export type { HTTPClientConfig, BasicAuth, Authorization, TLSConfig } from './http-client.ts';
export { parseTLSConfig } from './http-client.ts';
export type { StaticConfig, FileSDConfig, HTTPSDConfig, DNSSDConfig, DNSRecordType, ServiceDiscovery } from './sd.ts';
export type { AlertingConfig, AlertmanagerConfig } from './alerting.ts';
export type { RemoteWriteConfig, RemoteReadConfig, QueueConfig, MetadataConfig, RemoteWriteMessage } from './remote.ts';
export type { StorageConfig, RetentionConfig } from './storage.ts';
