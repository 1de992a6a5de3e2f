/* liandong search page: Pagefind's browser API over the index that `liandong build` writes to
   pagefind/. Everything comes from the site itself. Opened from disk (file://) the browser refuses
   to load the index, so the page says so instead of failing silently. */
(function () {
  "use strict";

  var PAGE_SIZE = 10;
  var CHECK_LIMIT = 100;  // up to this many hits, check each for the whole query (one small file each)
  var script = document.currentScript;
  var root = script.getAttribute("data-root");
  var indexUrl = script.getAttribute("data-index");
  var form = document.getElementById("search-form");
  var fields = {
    q: document.getElementById("search-q"),
    year: document.getElementById("search-year"),
    county: document.getElementById("search-county"),
    sort: document.getElementById("search-sort")
  };
  var statusLine = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var partialTitle = document.getElementById("search-partial-title");
  var partialList = document.getElementById("search-partial");
  var more = document.getElementById("search-more");
  var pagefind = null;
  var basePath = "";
  var latest = 0;      // number of the newest search; older ones drop their results
  var pending = [];    // results of the current search not shown yet
  var timer = null;
  var shownQuery = "";  // the query whose results are on the page

  // Fill the form from the address, so links such as ?county=… and the back button work.
  var params = new URLSearchParams(location.search);
  Object.keys(fields).forEach(function (name) {
    var value = params.get(name);
    if (value !== null) fields[name].value = value;
  });

  if (location.protocol === "file:") {
    document.getElementById("search-offline").hidden = false;
    return;
  }

  function state() {
    var filters = {};
    if (fields.year.value) filters.year = fields.year.value;
    if (fields.county.value) filters.county = fields.county.value;
    return { q: fields.q.value.trim(), filters: filters, sort: fields.sort.value };
  }

  function remember(current) {
    var query = new URLSearchParams();
    if (current.q) query.set("q", current.q);
    Object.keys(current.filters).forEach(function (name) { query.set(name, current.filters[name]); });
    if (current.sort) query.set("sort", current.sort);
    var text = query.toString();
    history.replaceState(null, "", location.pathname + (text ? "?" + text : ""));
  }

  function say(text) {
    statusLine.textContent = text;
  }

  // The excerpt is Pagefind's HTML with <mark> around each hit word; keep only text and marks
  // (parsed inertly, never inserted as HTML), and join the marks of one phrase: Chinese is
  // indexed word by word, so "代表联络站" comes back as three marks side by side.
  function excerptNodes(html) {
    var parsed = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html").body.firstChild;
    var out = document.createDocumentFragment();
    var last = null;
    parsed.childNodes.forEach(function (node) {
      var text = node.textContent;
      if (node.nodeName === "MARK") {
        if (last && last.nodeName === "MARK") {
          last.textContent += text;
          return;
        }
        last = document.createElement("mark");
        last.textContent = text;
      } else {
        last = document.createTextNode(text);
      }
      out.appendChild(last);
    });
    return out;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function render(data, level, query) {
    var item = element("li", "search-result");
    var title = element(level, "search-result-title");
    var link = element("a", "", data.meta.title);
    // Pagefind prefixes the site's path; turn it back into a link relative to this page.
    link.href = root + (data.meta.link || data.url.slice(basePath.length));
    title.appendChild(link);
    item.appendChild(title);
    var meta = [data.meta.issue, data.meta.date_text, data.meta.county].filter(Boolean).join(" · ");
    item.appendChild(element("p", "search-result-meta", meta));
    var excerpt = element("p", "search-result-excerpt");
    var around = query ? phraseExcerpt(data.content || "", query) : null;
    if (around) {
      excerpt.appendChild(around);
    } else {
      excerpt.appendChild(excerptNodes(data.excerpt || ""));
      excerpt.insertBefore(document.createTextNode("……"), excerpt.firstChild);
      excerpt.appendChild(document.createTextNode("……"));
    }
    item.appendChild(excerpt);
    return item;
  }

  // The text around the first place the query's terms occur, every occurrence marked; null when
  // none occurs as written (then Pagefind's own excerpt, which marks the words it matched, is used).
  function phraseExcerpt(content, q) {
    var terms = q.split(/\s+/).filter(Boolean).map(function (term) {
      return term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    });
    if (!terms.length) return null;
    var pattern = new RegExp(terms.join("|"), "gi");
    var first = pattern.exec(content);
    if (!first) return null;
    var start = Math.max(0, first.index - 24);
    var end = Math.min(content.length, first.index + first[0].length + 64);
    var text = content.slice(start, end);
    var out = document.createDocumentFragment();
    out.appendChild(document.createTextNode(start > 0 ? "……" : ""));
    var last = 0;
    pattern.lastIndex = 0;
    for (var match = pattern.exec(text); match; match = pattern.exec(text)) {
      out.appendChild(document.createTextNode(text.slice(last, match.index)));
      out.appendChild(element("mark", "", match[0]));
      last = match.index + match[0].length;
    }
    out.appendChild(document.createTextNode(text.slice(last) + (end < content.length ? "……" : "")));
    return out;
  }

  // Pagefind finds Chinese words inside longer words, which gives good recall but also matches
  // articles that hold only part of a phrase (代表联络站 → 代表). Results whose text holds every
  // term of the query come first; the others follow under their own heading.
  function squeeze(text) {
    return text.replace(/[\s\u200b]+/g, "").toLocaleLowerCase();
  }

  function holdsQuery(data, q) {
    var text = squeeze((data.meta.title || "") + (data.content || ""));
    return q.split(/\s+/).every(function (term) { return text.indexOf(squeeze(term)) !== -1; });
  }

  function showMore(ticket) {
    var batch = pending.splice(0, PAGE_SIZE);
    more.hidden = true;
    return Promise.all(batch.map(function (entry) { return entry.load(); })).then(function (items) {
      if (ticket !== latest) return null;
      var first = null;
      items.forEach(function (data, index) {
        var partial = batch[index].partial;
        var node = render(data, partial ? "h3" : "h2", partial ? "" : shownQuery);
        (partial ? partialList : list).appendChild(node);
        if (partial) partialTitle.hidden = false;
        first = first || node;
      });
      more.hidden = pending.length === 0;
      return first;
    });
  }

  function describe(current, exact, partial) {
    var scope = [];
    if (current.filters.year) scope.push(current.filters.year + "年");
    if (current.filters.county) scope.push(current.filters.county);
    var where = scope.length ? "（" + scope.join("，") + "）" : "";
    if (!current.q) return "共 " + exact + " 篇文章" + where + "。";
    if (exact === null) return "找到 " + partial + " 篇相关文章" + where + "。";
    var rest = partial ? "；另有 " + partial + " 篇只包含其中部分词语，列在后面" : "";
    if (exact === 0 && partial === 0) return "没有找到包含“" + current.q + "”的文章" + where + "。请换个说法，或减少筛选条件。";
    return "找到 " + exact + " 篇包含“" + current.q + "”的文章" + where + rest + "。";
  }

  function clear() {
    list.replaceChildren();
    partialList.replaceChildren();
    partialTitle.hidden = true;
    more.hidden = true;
  }

  function run() {
    var current = state();
    var ticket = ++latest;
    remember(current);
    pending = [];
    if (!current.q && !current.filters.year && !current.filters.county) {
      clear();
      say("请输入关键词，如“代表联络站”；也可只选年份或县区，列出其全部文章。");
      return Promise.resolve();
    }
    var options = { filters: current.filters };
    if (current.sort === "date") options.sort = { date: "desc" };
    return pagefind.search(current.q || null, options).then(function (search) {
      if (ticket !== latest || !search) return null;
      var results = search.results;
      if (!current.q || results.length > CHECK_LIMIT) {
        return { exact: current.q ? null : results.length, partial: results.length,
                 entries: results.map(function (result) { return { load: function () { return result.data(); }, partial: false }; }) };
      }
      return Promise.all(results.map(function (result) { return result.data(); })).then(function (items) {
        var exact = [], partial = [];
        items.forEach(function (data) {
          var whole = holdsQuery(data, current.q);
          (whole ? exact : partial).push({ load: function () { return data; }, partial: !whole });
        });
        return { exact: exact.length, partial: partial.length, entries: exact.concat(partial) };
      });
    }).then(function (found) {
      if (ticket !== latest || !found) return;
      clear();
      pending = found.entries;
      shownQuery = current.q;
      return showMore(ticket).then(function () {
        if (ticket === latest) say(describe(current, found.exact, found.partial));
      });
    }).catch(fail);
  }

  function fail(error) {
    say("");
    document.getElementById("search-failed").hidden = false;
    if (window.console) console.error(error);
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    if (pagefind) run();
  });
  more.addEventListener("click", function () {
    showMore(latest).then(function (first) {
      if (first) first.querySelector("a").focus();
    }).catch(fail);
  });

  say("正在加载搜索索引……");
  basePath = new URL(root, location.href).pathname;
  import(new URL(indexUrl, location.href).href).then(function (module) {
    pagefind = module;
    return pagefind.options({ baseUrl: basePath, excerptLength: 36 });
  }).then(function () {
    fields.q.addEventListener("input", later);
    ["year", "county", "sort"].forEach(function (name) { fields[name].addEventListener("change", run); });
    return run();
  }).then(function () {
    form.setAttribute("data-ready", "");
  }).catch(fail);
})();
