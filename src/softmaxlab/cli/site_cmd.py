"""`softmaxlab site`: write the explainer as a static site (or one HTML file) that runs in any browser."""

import click

from .destinations import output_dir, output_file


@click.command("site", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--out", "out", type=click.Path(), default=None, help="folder to write the static site into")
@click.option("--single-file", "single", type=click.Path(), default=None,
              help="write the whole explainer as one self-contained HTML file instead (works from file://)")
@click.option("--overwrite", is_flag=True, help="replace a site built here before (or the single file)")
def site_command(out, single, overwrite):
    """Write the explainer as a static site: every page computes in the browser, nothing is installed.

    Host the folder anywhere (GitHub Pages, any web server, `python -m http.server -d DIR`), or give
    `--single-file explainer.html` for one file to e-mail or open from disk.
    """
    if (out is None) == (single is None):
        raise click.UsageError("give either --out DIR (a static site) or --single-file FILE.html")
    from softmaxlab.web.build import SiteError, write_single_file, write_site

    say = lambda text: click.echo(text, err=True)
    try:
        if single is not None:
            path = output_file(single, overwrite=True, flag="--single-file")
            if path.exists() and not overwrite:
                raise click.UsageError(f"--single-file {path}: exists (pass --overwrite to replace it)")
            write_single_file(path, progress=say)
            click.echo(f"wrote {path}: open it in a browser")
        else:
            path = output_dir(out, overwrite=overwrite)
            write_site(path, overwrite=overwrite, progress=say)
            click.echo(f"wrote the site to {path}: serve it with `python -m http.server -d {path}` and open "
                       "http://localhost:8000/")
    except SiteError as e:
        raise click.UsageError(str(e)) from None
