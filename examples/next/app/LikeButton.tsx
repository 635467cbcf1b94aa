'use client';
import {useState} from 'react';

/** A button to click: Heap's autocapture records the click with the page's content context. */
export function LikeButton() {
  const [liked, setLiked] = useState(false);
  return (
    <button type="button" id="like" onClick={() => setLiked(true)}>
      {liked ? 'Thanks!' : 'Like'}
    </button>
  );
}
