/* liandong search page: Pagefind's browser API over the indexes that `liandong build` writes to
   pagefind/<year>/, one per year (so an edit re-indexes one year), merged here into one search
   with Pagefind's mergeIndex. pagefind/indexes.json lists the years, newest first; the newest
   year's folder also holds Pagefind's program. Everything comes from the site itself. Opened from
   disk (file://) the browser refuses to load the index, so the page says so instead of failing
   silently. */
(function () {
  "use strict";

  var PAGE_SIZE = 10;
  var CHECK_LIMIT = 200;  // up to this many candidates, read each one's text (one small file each)
  var script = document.currentScript;
  var root = script.getAttribute("data-root");
  var indexUrl = script.getAttribute("data-index");  // the pagefind/ folder, relative to this page
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
  var indexYears = [];  // the years with an index, newest first (pagefind/indexes.json)
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
    var meta = element("p", "search-result-meta");
    [data.meta.issue, data.meta.date_text, data.meta.county].filter(Boolean).forEach(function (text, i) {
      if (i) meta.appendChild(document.createTextNode(" · "));
      meta.appendChild(element("span", "nowrap", text));  // a date or 期号 never breaks inside
    });
    item.appendChild(meta);
    var excerpt = element("p", "search-result-excerpt");
    var around = query ? phraseExcerpt(data.content || "", query) || phraseExcerpt(data.content || "", simplified(query)) : null;
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

  // Which articles hold the query. Pagefind matches words, not phrases: 代表联络站 also brings up
  // articles with only 代表, and a phrase the index split differently (乡镇人大 inside
  // 各乡镇人大主席团) may not come up at all. So the page asks Pagefind several times — the query as
  // typed, in simplified characters (OpenCC's table, static/t2s.js), and split into words — and then
  // reads each candidate's text: an article holds the query when its text contains every term of
  // it (or of its simplified form) as written. Articles with the query in their title come first,
  // then those with it in the text, then those that hold only part of it.
  var T2S = (function () {
    var table = new Map();
    var source = window.LIANDONG_T2S;
    if (source) {
      var from = Array.from(source.from), to = Array.from(source.to);
      from.forEach(function (char, i) { table.set(char, to[i]); });
    }
    return table;
  })();
  var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter("zh-CN", { granularity: "word" }) : null;

  function simplified(text) {
    return Array.from(text).map(function (char) { return T2S.get(char) || char; }).join("");
  }

  function words(text) {
    if (!segmenter) return text;
    return text.split(/\s+/).map(function (term) {
      return Array.from(segmenter.segment(term)).filter(function (s) { return s.isWordLike; })
        .map(function (s) { return s.segment; }).join(" ");
    }).join(" ");
  }

  function squeeze(text) {
    return text.replace(/[\s\u200b]+/g, "").toLocaleLowerCase();
  }

  function termsOf(q) {
    return q.split(/\s+/).filter(Boolean).map(squeeze);
  }

  function holds(text, variants) {
    var squeezed = squeeze(text);
    return variants.some(function (terms) {
      return terms.every(function (term) { return squeezed.indexOf(term) !== -1; });
    });
  }

  // The Pagefind queries for what the reader typed, most literal first, without repeats: the query,
  // its simplified form, both split into words, and then each word alone. Pagefind matches the
  // start of indexed words, so a word alone also finds a phrase the index holds inside a longer
  // word (乡镇人大 in 各乡镇人大主席团 is found through 人大).
  function queriesFor(q) {
    var out = [];
    var add = function (query) { if (query && out.indexOf(query) === -1) out.push(query); };
    var forms = [q, simplified(q)];
    forms.forEach(function (variant) { add(variant); add(words(variant)); });
    forms.forEach(function (variant) { words(variant).split(" ").forEach(add); });
    return out;
  }

  // Every article to list for a search, in order, each marked with how it matched (tier 0: query in
  // the title, 1: in the text, 2: only part of it, 3: not read because the hits are too many).
  // Hits of the literal query are all listed; hits found only through the other forms are listed
  // when their text holds the query. Up to CHECK_LIMIT candidates are read; past that Pagefind's
  // own order stands. The status line counts exactly the entries returned.
  function find(current) {
    var options = { filters: current.filters };
    if (current.sort === "date") options.sort = { date: "desc" };
    if (!current.q) return listAll(current.filters);
    var variants = [current.q, simplified(current.q)].map(termsOf);
    var queries = queriesFor(current.q);
    var literal = [current.q, simplified(current.q)];  // their hits are listed even if they hold only part
    return Promise.all(queries.map(function (query) { return pagefind.search(query, options); })).then(function (searches) {
      var seen = new Set(), candidates = [];
      // The literal query first; the looser forms after it, those with fewest hits (the most
      // telling) first, so the candidates read within CHECK_LIMIT are the likeliest hits.
      var order = searches.map(function (search, index) { return index; }).sort(function (a, b) {
        var first = function (i) { return literal.indexOf(queries[i]) !== -1 ? 0 : 1; };
        if (first(a) !== first(b)) return first(a) - first(b);
        var size = function (i) { return searches[i] ? searches[i].results.length : 0; };
        return size(a) - size(b) || a - b;
      });
      order.map(function (index) { return [searches[index], index]; }).forEach(function (pair) {
        var search = pair[0], index = pair[1];
        // A result's id is its fragment's short hash, unique within one year's index but not
        // necessarily across years: the nth result with an id in one search is its nth record.
        var count = new Map();
        (search ? search.results : []).forEach(function (result) {
          var nth = count.get(result.id) || 0;
          count.set(result.id, nth + 1);
          var key = result.id + "#" + nth;
          if (seen.has(key)) return;
          seen.add(key);
          candidates.push({ result: result, literal: literal.indexOf(queries[index]) !== -1 });
        });
      });
      var checked = candidates.slice(0, CHECK_LIMIT), unchecked = candidates.slice(CHECK_LIMIT);
      return Promise.all(checked.map(function (entry) { return entry.result.data(); })).then(function (items) {
        var entries = [];
        items.forEach(function (data, i) {
          var entry = { result: checked[i].result, data: data };
          if (holds(data.meta.title || "", variants)) entry.tier = 0;
          else if (holds(data.content || "", variants)) entry.tier = 1;
          else if (checked[i].literal) entry.tier = 2;
          else return;  // found only through a looser form, and does not hold the query: not a hit
          entries.push(entry);
        });
        unchecked.forEach(function (entry) {
          if (entry.literal) entries.push({ result: entry.result, tier: 3 });
        });
        // Within a tier, Pagefind's order of relevance; sorted by date, title and text hits are one
        // group, newest first (the searches are merged, so their dates are compared here).
        var byDate = current.sort === "date";
        var group = function (entry) { return byDate && entry.tier === 0 ? 1 : entry.tier; };
        var when = function (entry) { return entry.data ? entry.data.meta.date + (entry.data.meta.link || "") : ""; };
        return entries.map(function (entry, i) { entry.order = i; return entry; }).sort(function (a, b) {
          var dates = byDate && when(a) !== when(b) ? (when(a) < when(b) ? 1 : -1) : 0;
          return group(a) - group(b) || dates || a.order - b.order;
        });
      });
    });
  }

  // Every article the filters select, newest first. Pagefind orders a merged search by score, which
  // would shuffle the years, so each year is asked on its own (only its index answers) and the
  // years are put one after the other; within a year Pagefind sorts by date.
  function listAll(filters) {
    var years = filters.year ? [filters.year] : indexYears;
    return Promise.all(years.map(function (year) {
      return pagefind.search(null, { filters: Object.assign({}, filters, { year: year }), sort: { date: "desc" } });
    })).then(function (searches) {
      var entries = [];
      searches.forEach(function (search) {
        search.results.forEach(function (result) { entries.push({ result: result, tier: 1 }); });
      });
      return entries;
    });
  }

  function showMore(ticket) {
    var batch = pending.splice(0, PAGE_SIZE);
    more.hidden = true;
    return Promise.all(batch.map(function (entry) {
      return entry.data ? Promise.resolve(entry.data) : entry.result.data();
    })).then(function (items) {
      if (ticket !== latest) return null;
      var first = null;
      items.forEach(function (data, index) {
        var other = batch[index].tier >= 2;
        var node = render(data, other ? "h3" : "h2", other ? "" : shownQuery);
        (other ? partialList : list).appendChild(node);
        if (other) partialTitle.hidden = false;
        first = first || node;
      });
      more.hidden = pending.length === 0;
      return first;
    });
  }

  // The status line counts exactly the articles the page lists.
  function describe(current, entries) {
    var scope = [];
    if (current.filters.year) scope.push(current.filters.year + "年");
    if (current.filters.county) scope.push(current.filters.county);
    var where = scope.length ? "（" + scope.join("，") + "）" : "";
    var total = entries.length;
    if (!current.q) return "共" + total + "篇文章" + where + "。";
    var q = "“" + current.q + "”";
    var simple = simplified(current.q);
    var also = simple !== current.q ? "已同时按简体“" + simple + "”查找。" : "";
    var count = function (tiers) { return entries.filter(function (e) { return tiers.indexOf(e.tier) !== -1; }).length; };
    var whole = count([0, 1]), part = count([2]), unread = count([3]);
    if (!total) return "没有找到包含" + q + "的文章" + where + "。" + also + "请换个说法，或减少筛选条件。";
    if (unread) {
      return "找到" + total + "篇相关文章" + where + "。在相关程度最高的" + (whole + part) + "篇中，" + whole +
        "篇包含完整的" + q + "，排在最前。" + also;
    }
    if (!part) return "找到" + total + "篇包含" + q + "的文章" + where + "。" + also;
    if (!whole) return "找到" + total + "篇文章" + where + "，都只包含" + q + "中的部分词语。" + also;
    return "找到" + total + "篇文章" + where + "：" + whole + "篇包含" + q + "，" + part + "篇只包含其中部分词语（列在后面）。" + also;
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
    return find(current).then(function (entries) {
      if (ticket !== latest) return;
      clear();
      pending = entries.slice();
      shownQuery = current.q;
      partialTitle.textContent = entries.some(function (e) { return e.tier === 3; }) ? "其他相关文章" : "只包含部分关键词的文章";
      return showMore(ticket).then(function () {
        if (ticket === latest) say(describe(current, entries));
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

  // What the page lists for a query, as [{link, tier}] in order: scripts/search_recall.py measures
  // recall and precision through this, the very function the page uses.
  window.liandongSearch = function (q, filters) {
    return find({ q: q.trim(), filters: filters || {}, sort: "" }).then(function (entries) {
      var out = [];
      var step = function (start) {  // 50 at a time: thousands of parallel fetches fail
        if (start >= entries.length) return out;
        return Promise.all(entries.slice(start, start + 50).map(function (entry, i) {
          return (entry.data ? Promise.resolve(entry.data) : entry.result.data()).then(function (data) {
            out[start + i] = { link: data.meta.link, title: data.meta.title, tier: entry.tier };
          });
        })).then(function () { return step(start + 50); });
      };
      return step(0);
    });
  };

  // The years' indexes as one: the newest year's Pagefind is the primary instance, and every other
  // year is merged into it, in order (newest first), so that results of equal score keep that order.
  function loadIndexes() {
    var folder = new URL(indexUrl, location.href);
    return fetch(new URL("indexes.json", folder).href).then(function (response) {
      if (!response.ok) throw new Error("pagefind/indexes.json: " + response.status);
      return response.json();
    }).then(function (manifest) {
      var years = indexYears = manifest.indexes;
      var options = { baseUrl: basePath, excerptLength: 36 };
      return import(new URL(years[0] + "/pagefind.js", folder).href).then(function (module) {
        return module.options(options).then(function () {
          return Promise.all(years.slice(1).map(function (year) {
            return module.mergeIndex(new URL(year + "/", folder).pathname, options);
          }));
        }).then(function () { return module; });
      });
    });
  }

  say("正在加载搜索索引……");
  basePath = new URL(root, location.href).pathname;
  loadIndexes().then(function (module) {
    pagefind = module;
    window.liandongPagefind = module;  // Pagefind's merged API, for scripts/search_recall.py
  }).then(function () {
    fields.q.addEventListener("input", later);
    ["year", "county", "sort"].forEach(function (name) { fields[name].addEventListener("change", run); });
    return run();
  }).then(function () {
    form.setAttribute("data-ready", "");
  }).catch(fail);
})();
