// Opens a simcall report in headless Chromium and checks what a reviewer
// relies on: every section is there and visible, every chart drew (its
// SVG has a size), nothing is requested beyond the file itself, no console
// error or page error, and it prints to a PDF. Saves a screenshot.
//
// usage: node check.mjs REPORT.html SCREENSHOT.png PDF.pdf SECTION,SECTION,... MIN_CHARTS [TEXT|TEXT|...]
// Each TEXT must be visible on the page (what a reviewer must read there).
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { existsSync } from "node:fs";

const [report, screenshot, pdf, sectionList, minCharts, mustRead] = process.argv.slice(2);
const executablePath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const url = pathToFileURL(report).href;
const requests = [];
const problems = [];
page.on("request", (r) => { if (r.url() !== url) requests.push(r.url()); });
page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
await page.goto(url, { waitUntil: "load" });

const sections = sectionList.split(",");
for (const id of sections) {
  const box = await page.locator(`section#${id}`).boundingBox();
  if (!box || box.height < 20) problems.push(`section ${id} is missing or empty`);
}
const charts = await page.locator("figure svg").evaluateAll((svgs) =>
  svgs.map((s) => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }));
if (charts.length < Number(minCharts)) problems.push(`only ${charts.length} charts`);
charts.forEach(([w, h], i) => { if (w < 300 || h < 150) problems.push(`chart ${i} drew at ${w}×${h}`); });
const rows = await page.locator("tr.verdict, tr.month").count();
if (rows < 1) problems.push("no verdict or month rows");
const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
if (overflow > 0) problems.push(`the page scrolls sideways by ${overflow}px at 1280px`);
const visible = await page.evaluate(() => document.body.innerText);
for (const t of (mustRead || "").split("|").filter((t) => t)) {
  if (!visible.includes(t)) problems.push(`the page does not show "${t}"`);
}
if (requests.length) problems.push(`requests beyond the file: ${requests.join(", ")}`);

await page.screenshot({ path: screenshot, fullPage: false });
await page.emulateMedia({ media: "print" });
await page.pdf({ path: pdf, format: "A4", printBackground: true });
await browser.close();

console.log(`report in Chromium: ${sections.length} sections, ${charts.length} charts, ${rows} verdict or month rows, ${requests.length} requests beyond the file`);
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
