// Search page: queries the Pagefind index built into pagefind/. Results are
// built with DOM text nodes only; the excerpt's <mark> highlights are rebuilt
// from an inert parse, so no indexed text is ever inserted as HTML.
const results = document.getElementById("search-results");
const statusLine = document.getElementById("search-status");
const input = document.getElementById("search-query");
const siteRoot = new URL(results.dataset.root || "./", document.baseURI);
let pagefind = null;
let latest = 0;

async function loadPagefind() {
  if (!pagefind) {
    pagefind = await import(new URL(results.dataset.bundle, document.baseURI).href);
    await pagefind.options({ baseUrl: "/" });
  }
  return pagefind;
}

function excerptNodes(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const nodes = [];
  for (const node of doc.body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(node.textContent));
    }
  }
  return nodes;
}

async function run(query) {
  const ticket = ++latest;
  results.replaceChildren();
  if (!query.trim()) {
    statusLine.textContent = "";
    return;
  }
  statusLine.textContent = "Searching…";
  let found;
  try {
    const engine = await loadPagefind();
    const search = await engine.search(query);
    found = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
  } catch (error) {
    statusLine.textContent = "Search is unavailable: the search index was not built.";
    return;
  }
  if (ticket !== latest) return;
  statusLine.textContent = found.length === 0 ? "No briefings match." :
    `${found.length} briefing${found.length === 1 ? "" : "s"} found.`;
  for (const item of found) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = new URL(item.url.replace(/^\/+/, ""), siteRoot).href;
    link.textContent = (item.meta && item.meta.title) || item.url;
    const excerpt = document.createElement("p");
    excerpt.append(...excerptNodes(item.excerpt || ""));
    li.append(link, excerpt);
    results.append(li);
  }
}

let timer = null;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 200);
});
input.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});
const initial = new URLSearchParams(location.search).get("q");
if (initial) {
  input.value = initial;
  run(initial);
}
