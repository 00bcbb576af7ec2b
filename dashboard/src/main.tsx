import { render } from 'preact';
import { App } from './app';
import './styles.css';
import './app.css';

render(<App />, document.getElementById('app')!);
