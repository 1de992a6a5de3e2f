"""The loosest justified lines of a site's issue PDFs: extra space per gap, in em.

    python bench/loosest_lines.py SITE [OUTDIR]

Renders every issue's print HTML through liandong.pdf.render_job with WeasyPrint's justify_line
hooked to record, per justified line, the space it spreads and over how many gaps (spaces plus the
CJK gaps cjk_justify counts). U+200B break opportunities print as |. OUTDIR keeps the PDFs.
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from weasy_alone import print_jobs
from liandong import cjk_justify
from liandong.pdf import render_job
from weasyprint.layout import inline
records = []
orig = inline.justify_line
def justify_line(context, line, extra_width):
    n = inline.count_expandable_spaces(line)
    fs = line.style['font_size']
    if n:
        texts = []
        def walk(b):
            if hasattr(b, 'text'): texts.append(b.text)
            for c in getattr(b, 'children', []): walk(c)
        walk(line)
        records.append((extra_width / n / fs, ''.join(texts)))
    return orig(context, line, extra_width)
site = Path(sys.argv[1]).resolve()
config, jobs = print_jobs(site)
render_job('<html></html>', str(config.site_dir), None, site)  # install
inline.justify_line = justify_line
out = Path(sys.argv[2]) if len(sys.argv) > 2 else None
for i, (page, html) in enumerate(jobs):
    data = render_job(html, str(config.site_dir), config.pdf.variant, page.context['source'])
    if out:
        out.mkdir(exist_ok=True); (out / f'{i}.pdf').write_bytes(data)
records.sort(reverse=True)
over = [r for r in records if r[0] > 0.08]
print(f'justified lines {len(records)}; max {records[0][0]:.3f} em; >0.08 em: {len(over)}; >0.05: {sum(r[0]>0.05 for r in records)}')
for r in records[:12]: print(f'{r[0]:.3f}', r[1].replace('\u200b','|'))
