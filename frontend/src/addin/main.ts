// The task pane's entry (addin/taskpane.html).
import { mount } from 'svelte';
import Pane from './Pane.svelte';
import './pane.css';

const target = document.getElementById('app');
if (target) mount(Pane, { target, props: { search: location.search } });
