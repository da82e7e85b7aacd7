"""The printed journals and the archive (issue 13; seed 002 §4.1–4.2, §5.5–5.9): the class
journal in the paper journal's layout, the summary sheet and the report cards as PDF/A, the
term copies made at each term's end, and the archive package of a school's year with its
SHA-256 manifest (`zhurnal archive build|verify`)."""
