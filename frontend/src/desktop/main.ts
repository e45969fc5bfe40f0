// Entry of the desktop window (index.html).
import { mount } from 'svelte';
import App from './App.svelte';
import { locale } from '../lib/i18n';
import './styles/app.css';

document.documentElement.lang = locale();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });
