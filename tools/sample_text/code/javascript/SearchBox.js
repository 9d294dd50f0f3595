import React, { useEffect, useRef, useState } from 'react';
import PropTypes from 'prop-types';

function useDebouncedValue(value, delay) {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setDebounced(value), delay);
    return () => clearTimeout(id);
  }, [value, delay]);
  return debounced;
}

export default function SearchBox({ search, onSelect, placeholder = 'Search…', delay = 250 }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState([]);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState(null);
  const debouncedQuery = useDebouncedValue(query, delay);
  const requestId = useRef(0);

  useEffect(() => {
    if (debouncedQuery.trim().length < 2) {
      setResults([]);
      return;
    }
    const id = ++requestId.current;
    search(debouncedQuery)
      .then((items) => {
        // ignore responses that arrive out of order
        if (id === requestId.current) {
          setResults(items);
          setActive(-1);
          setError(null);
        }
      })
      .catch((err) => id === requestId.current && setError(err.message));
  }, [debouncedQuery, search]);

  function handleKeyDown(event) {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((i) => Math.min(i + 1, results.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((i) => Math.max(i - 1, 0));
    } else if (event.key === 'Enter' && active >= 0) {
      onSelect(results[active]);
    } else if (event.key === 'Escape') {
      setResults([]);
    }
  }

  return (
    <div className="search-box" role="combobox" aria-expanded={results.length > 0}>
      <input
        type="search"
        value={query}
        placeholder={placeholder}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={handleKeyDown}
        aria-autocomplete="list"
      />
      {error && <p className="search-error">{error}</p>}
      {results.length > 0 && (
        <ul role="listbox">
          {results.map((item, i) => (
            <li
              key={item.id}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={() => onSelect(item)}
            >
              {item.label}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

SearchBox.propTypes = {
  search: PropTypes.func.isRequired,
  onSelect: PropTypes.func.isRequired,
  placeholder: PropTypes.string,
  delay: PropTypes.number,
};
