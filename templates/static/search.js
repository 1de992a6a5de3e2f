/* liandong search page, over the character index that `liandong build` writes to
   search-index/<year>/, one per year (liandong/search.py describes the files):
   search-index/indexes.json lists the years, newest first. The index says which articles hold
   every character pair of the query; the page then reads those articles' text from their issue
   pages (which the site has anyway) to keep the ones holding the query as written. Everything
   comes from the site itself. Opened from disk (file://) the browser refuses to fetch the index,
   so the page says so instead of failing silently. */
(function () {
  "use strict";

  var PAGE_SIZE = 10;
  var CHECK_LIMIT = 120;  // up to this many candidates, read each one's text (from its issue page)
  var script = document.currentScript;
  var root = script.getAttribute("data-root");
  var indexUrl = script.getAttribute("data-index");  // the search-index/ folder, relative to this page
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
  var ready = false;
  var indexYears = [];  // the years with an index, newest first (search-index/indexes.json)
  var shardCount = 1;
  var folder = null;    // absolute URL of search-index/
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

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function render(data, level, query) {
    var item = element("li", "search-result");
    var title = element(level, "search-result-title");
    var link = element("a", "");
    var forms = query ? [query, simplified(query), longWords(query), longWords(simplified(query))] : [];
    var titleMarked = null;
    forms.some(function (form) { return (titleMarked = marked(data.meta.title, form)); });
    link.appendChild(titleMarked || document.createTextNode(data.meta.title));
    link.href = root + data.meta.link;
    title.appendChild(link);
    item.appendChild(title);
    var meta = element("p", "search-result-meta");
    [data.meta.issue, data.meta.date_text, data.meta.county].filter(Boolean).forEach(function (text, i) {
      if (i) meta.appendChild(document.createTextNode(" · "));
      meta.appendChild(element("span", "nowrap", text));  // a date or 期号 never breaks inside
    });
    item.appendChild(meta);
    var excerpt = element("p", "search-result-excerpt");
    // The excerpt comes from the text below the title (the title is shown above it).
    var content = data.content || "";
    var body = content.indexOf(data.meta.title) === 0 ? content.slice(data.meta.title.length) : content;
    var around = null;
    forms.some(function (form) { return (around = phraseExcerpt(body, form)); });
    if (around) {
      excerpt.appendChild(around);
    } else {
      var start = body.replace(/\s+/g, " ").trim();
      excerpt.textContent = start.slice(0, 90) + (start.length > 90 ? "……" : "");
    }
    item.appendChild(excerpt);
    return item;
  }

  // The text with every occurrence of the query's terms marked; null when none occurs.
  function marked(text, q) {
    var pattern = termPattern(q);
    if (!pattern || !pattern.test(text)) return null;
    pattern.lastIndex = 0;
    var out = document.createDocumentFragment(), last = 0;
    for (var match = pattern.exec(text); match; match = pattern.exec(text)) {
      out.appendChild(document.createTextNode(text.slice(last, match.index)));
      out.appendChild(element("mark", "", match[0]));
      last = match.index + match[0].length;
    }
    out.appendChild(document.createTextNode(text.slice(last)));
    return out;
  }

  function termPattern(q) {
    var terms = q.split(/\s+/).filter(Boolean).map(function (term) {
      return term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    });
    return terms.length ? new RegExp(terms.join("|"), "gi") : null;
  }

  // The text around the first place the query's terms occur, every occurrence marked; null when
  // none occurs as written.
  function phraseExcerpt(content, q) {
    var pattern = termPattern(q);
    var first = pattern && pattern.exec(content);
    if (!first) return null;
    var start = Math.max(0, first.index - 24);
    var end = Math.min(content.length, first.index + first[0].length + 64);
    var out = document.createDocumentFragment();
    out.appendChild(document.createTextNode(start > 0 ? "……" : ""));
    out.appendChild(marked(content.slice(start, end), q));
    out.appendChild(document.createTextNode(end < content.length ? "……" : ""));
    return out;
  }


  // Traditional characters are looked up in simplified form too (OpenCC's table, static/t2s.js).
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

  // The query split into words (for the articles that hold all its words but not the phrase).
  function words(text) {
    if (!segmenter) return text;
    return text.split(/\s+/).map(function (term) {
      return Array.from(segmenter.segment(term)).filter(function (s) { return s.isWordLike; })
        .map(function (s) { return s.segment; }).join(" ");
    }).join(" ");
  }

  // The query's words of two or more characters (a single character marked alone says nothing).
  function longWords(text) {
    return words(text).split(" ").filter(function (word) { return Array.from(word).length > 1; }).join(" ");
  }

  // What is matched: no whitespace, letters lowered (liandong/search.py: squeezed).
  function squeeze(text) {
    return text.replace(/[\s\u200b]+/g, "").toLowerCase();
  }

  function termsOf(q) {
    return q.split(/\s+/).map(squeeze).filter(Boolean);
  }

  function holds(text, terms) {
    var squeezed = squeeze(text);
    return terms.length > 0 && terms.every(function (term) { return squeezed.indexOf(term) !== -1; });
  }

  function occurrences(text, terms) {
    var squeezed = squeeze(text), total = 0;
    terms.forEach(function (term) {
      for (var at = squeezed.indexOf(term); at !== -1; at = squeezed.indexOf(term, at + term.length)) total++;
    });
    return total;
  }

  // --- the index: search-index/<year>/records.json and <shard>.txt ---------------------------------

  // Each file is fetched once: the maps below keep what was made of it (records, grams, a page).
  function fetchText(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.text();
    });
  }

  var yearRecords = new Map();  // year → promise of its articles, in posting order
  function records(year) {
    if (!yearRecords.has(year)) {
      yearRecords.set(year, fetchText(new URL(year + "/records.json", folder).href).then(function (text) {
        return JSON.parse(text).records.map(function (row, n) {
          return { year: year, n: n, link: row[0], title: row[1], issue: row[2], date: row[3], date_text: row[4],
                   county: row[5] };
        });
      }));
    }
    return yearRecords.get(year);
  }

  var shards = new Map();  // "year/shard" → promise of Map(gram → postings text)
  function shard(year, number) {
    var key = year + "/" + number;
    if (!shards.has(key)) {
      shards.set(key, fetchText(new URL(key + ".txt", folder).href).then(function (text) {
        var grams = new Map();
        text.split("\n").forEach(function (line) {
          var tab = line.indexOf("\t");
          if (tab > 0) grams.set(line.slice(0, tab), line.slice(tab + 1));
        });
        return grams;
      }));
    }
    return shards.get(key);
  }

  // liandong/search.py: shard_of
  function shardOf(gram) {
    var value = 0;
    Array.from(gram).forEach(function (char) { value = (value * 31 + char.codePointAt(0)) % 65536; });
    return value % shardCount;
  }

  // The characters of a one-character term, else its pairs of adjacent characters.
  function gramsOf(term) {
    var chars = Array.from(term);
    if (chars.length < 2) return chars;
    var out = [];
    for (var i = 1; i < chars.length; i++) out.push(chars[i - 1] + chars[i]);
    return out;
  }

  // Postings text → one flag per article of the year (liandong/search.py: postings_text).
  function decode(text, count) {
    var flags = new Uint8Array(count);
    if (text.charAt(0) === "~") {
      var raw = atob(text.slice(1) + "===".slice((text.length - 1 + 3) % 4));
      for (var i = 0; i < count; i++) flags[i] = (raw.charCodeAt(i >> 3) >> (i & 7)) & 1;
    } else {
      var at = -1;
      text.split(",").forEach(function (gap) {
        at += parseInt(gap, 16) + 1;
        if (at < count) flags[at] = 1;
      });
    }
    return flags;
  }

  // Which of the year's articles hold every gram of every term: a superset of those holding the
  // terms (exactly them when no term is longer than two characters).
  function matching(year, terms, count) {
    var grams = [];
    terms.forEach(function (term) {
      gramsOf(term).forEach(function (gram) { if (grams.indexOf(gram) === -1) grams.push(gram); });
    });
    return Promise.all(grams.map(function (gram) { return shard(year, shardOf(gram)); })).then(function (maps) {
      var flags = new Uint8Array(count).fill(grams.length ? 1 : 0);
      grams.forEach(function (gram, i) {
        var postings = maps[i].get(gram);
        var these = postings === undefined ? new Uint8Array(count) : decode(postings, count);
        for (var n = 0; n < count; n++) flags[n] &= these[n];
      });
      return flags;
    });
  }

  // --- the articles' text, read from their issue pages ------------------------------------------

  var pages = new Map();  // issue page URL → promise of its parsed document
  function articleText(record) {
    var hash = record.link.indexOf("#");
    var page = new URL(root + record.link.slice(0, hash), location.href).href;
    if (!pages.has(page)) {
      pages.set(page, fetchText(page).then(function (html) {
        return new DOMParser().parseFromString(html, "text/html");
      }));
    }
    return pages.get(page).then(function (doc) {
      var section = doc.getElementById(record.link.slice(hash + 1));
      if (!section) return record.title;
      return [".article-title", ".article-body", ".contributor"].map(function (selector) {
        var node = section.querySelector(selector);
        return node ? node.textContent : "";
      }).join("\n");
    }, function () { return record.title; });
  }

  function dataOf(record) {
    return articleText(record).then(function (content) {
      return { meta: { title: record.title, issue: record.issue, date: record.date, date_text: record.date_text,
                       county: record.county, link: record.link }, content: content };
    });
  }

  function selectedYears(filters) {
    if (!filters.year) return indexYears;
    return indexYears.indexOf(filters.year) === -1 ? [] : [filters.year];
  }

  // Every article to list for a search, in order, each marked with how it matched (tier 0: query in
  // the title, 1: in the text, 2: all of its words but not the phrase, 3: not read because the
  // candidates are too many). An article is a candidate when the index says it holds every
  // character pair of the query (in any of its forms: as typed, in simplified characters) or of
  // its words. Up to CHECK_LIMIT candidates, those most likely to hold the phrase first, are read
  // and kept only if they hold the phrase or all its words as written; a query whose terms are one
  // or two characters long needs no reading. The status line counts exactly the entries returned.
  function find(current) {
    if (!current.q) return listAll(current.filters);
    var forms = [current.q, simplified(current.q)].filter(function (form, i, all) { return all.indexOf(form) === i; });
    var variants = forms.map(function (form) {
      var terms = termsOf(form);
      // Single characters are too common to make an article "hold part of" a query.
      var parts = termsOf(longWords(form));
      var split = parts.length > 1 && parts.join(" ") !== terms.join(" ");
      return { terms: terms, words: split ? parts : [],
               exact: terms.every(function (term) { return Array.from(term).length <= 2; }) };
    });
    var years = selectedYears(current.filters);
    return Promise.all(years.map(function (year) {
      return records(year).then(function (list) {
        return Promise.all(variants.map(function (variant) {
          return Promise.all([matching(year, variant.terms, list.length),
                              variant.words.length ? matching(year, variant.words, list.length) : new Uint8Array(list.length)]);
        })).then(function (flags) {
          var found = [];
          list.forEach(function (record, n) {
            if (current.filters.county && record.county !== current.filters.county) return;
            var whole = [], part = false;
            variants.forEach(function (variant, v) {
              if (flags[v][0][n]) whole.push(variant);
              if (flags[v][1][n]) part = true;
            });
            if (whole.length || part) found.push({ record: record, whole: whole, part: part });
          });
          return found;
        });
      });
    })).then(function (perYear) {
      var candidates = [].concat.apply([], perYear);  // years newest first, each in archive order
      candidates.forEach(function (entry, i) { entry.order = i; });
      // Likely hits first: those the index says hold the whole query.
      candidates.sort(function (a, b) { return (b.whole.length > 0) - (a.whole.length > 0) || a.order - b.order; });
      var reads = 0;
      var terms = variants.map(function (variant) { return variant.terms; });
      return Promise.all(candidates.map(function (entry) {
        if (terms.some(function (t) { return holds(entry.record.title, t); })) {
          entry.tier = 0;  // the title is in the index's list of articles: no need to read the text
          return entry;
        }
        if (entry.whole.some(function (variant) { return variant.exact; })) {
          entry.tier = 1;  // every term is one or two characters: the index alone is exact
          return entry;
        }
        if (reads >= CHECK_LIMIT) {
          if (entry.whole.length) entry.tier = 3;
          return entry;
        }
        reads++;
        return dataOf(entry.record).then(function (data) {
          entry.data = data;
          if (terms.some(function (t) { return holds(data.meta.title, t); })) entry.tier = 0;
          else if (terms.some(function (t) { return holds(data.content, t); })) entry.tier = 1;
          else if (variants.some(function (variant) { return variant.words.length && holds(data.content, variant.words); })) entry.tier = 2;
          entry.score = Math.max.apply(null, terms.map(function (t) { return occurrences(data.content, t); }));
          return entry;
        });
      })).then(function (entries) {
        entries = entries.filter(function (entry) { return entry.tier !== undefined; });
        // Within a tier, the article holding the query most often first, then the newest; sorted
        // by date, title and text hits are one group, newest first.
        var byDate = current.sort === "date";
        var group = function (entry) { return byDate && entry.tier === 0 ? 1 : entry.tier; };
        return entries.sort(function (a, b) {
          return group(a) - group(b) || (byDate ? 0 : (b.score || 0) - (a.score || 0)) || a.order - b.order;
        });
      });
    });
  }

  // Every article the filters select, newest first.
  function listAll(filters) {
    return Promise.all(selectedYears(filters).map(records)).then(function (perYear) {
      var entries = [];
      perYear.forEach(function (list) {
        list.forEach(function (record) {
          if (!filters.county || record.county === filters.county) entries.push({ record: record, tier: 1 });
        });
      });
      return entries;
    });
  }

  function showMore(ticket) {
    var batch = pending.splice(0, PAGE_SIZE);
    more.hidden = true;
    return Promise.all(batch.map(function (entry) {
      return entry.data ? Promise.resolve(entry.data) : dataOf(entry.record);
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
    if (ready) run();
  });
  more.addEventListener("click", function () {
    showMore(latest).then(function (first) {
      if (first) first.querySelector("a").focus();
    }).catch(fail);
  });

  // What the page lists for a query, as [{link, title, tier}] in order: scripts/search_recall.py
  // measures recall and precision through this, the very function the page uses.
  window.liandongSearch = function (q, filters) {
    return find({ q: q.trim(), filters: filters || {}, sort: "" }).then(function (entries) {
      return entries.map(function (entry) {
        return { link: entry.record.link, title: entry.record.title, tier: entry.tier };
      });
    });
  };

  function loadManifest() {
    folder = new URL(indexUrl, location.href);
    return fetch(new URL("indexes.json", folder).href).then(function (response) {
      if (!response.ok) throw new Error("search-index/indexes.json: " + response.status);
      return response.json();
    }).then(function (manifest) {
      indexYears = manifest.indexes;
      shardCount = manifest.shards;
    });
  }

  say("正在加载搜索索引……");
  loadManifest().then(function () {
    ready = true;
    fields.q.addEventListener("input", later);
    ["year", "county", "sort"].forEach(function (name) { fields[name].addEventListener("change", run); });
    return run();
  }).then(function () {
    form.setAttribute("data-ready", "");
  }).catch(fail);
})();
