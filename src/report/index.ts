export { buildJsonReport, REPORT_KIND, REPORT_SCHEMA_VERSION, type JsonReport, type ReportCase, type ReportMetric, type ReportSession } from './json-report.js';
export { validateReport, reportSchemaFile } from './validate.js';
export { renderJunit } from './junit.js';
export { renderPrometheus, escapeLabelValue } from './prometheus.js';
export { renderConsole, verdictLine, type ConsoleOptions } from './console.js';
export { readReports, type LoadedReport } from './read-reports.js';
export { compareReports, renderCompare, type CompareResult, type CompareFlag, type CompareColumn } from './compare.js';
