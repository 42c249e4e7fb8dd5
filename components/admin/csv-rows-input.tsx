// The file-or-pasted-rows pair of the console's CSV forms (read by server/web/csv-upload.ts).
interface Props {
  /** Prefix of the two inputs' ids, unique on the page. */
  id: string;
  placeholder: string;
  /** What one line holds. */
  hint: string;
}

export function CsvRowsInput({ id, placeholder, hint }: Props) {
  return (
    <>
      <div>
        <label className="label" htmlFor={`${id}-file`}>
          CSV file
        </label>
        <input
          id={`${id}-file`}
          name="file"
          type="file"
          accept=".csv,text/csv,text/plain"
          className="input"
        />
      </div>
      <div>
        <label className="label" htmlFor={`${id}-csv`}>
          Or paste the rows
        </label>
        <textarea
          id={`${id}-csv`}
          name="csv"
          rows={6}
          className="input font-mono text-xs"
          placeholder={placeholder}
        />
        <p className="mt-1 text-xs text-slate-500">{hint} A header line is optional.</p>
      </div>
    </>
  );
}
